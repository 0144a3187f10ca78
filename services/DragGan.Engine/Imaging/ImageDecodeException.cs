namespace DragGan.Engine.Imaging;

/// <summary>Bytes that are not a decodable PNG or JPEG image (or one larger than allowed); the message says why.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string message)
        : base(message)
    {
    }

    public ImageDecodeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
