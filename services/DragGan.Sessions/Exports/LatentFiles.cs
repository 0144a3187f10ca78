using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Exports;

/// <summary>
/// Latents as NumPy files: a w+ latent becomes float32 little-endian, C order, shape
/// [1, num_ws, w_dim], the <c>ws</c> tensor StyleGAN2-ADA's synthesis network and DragGAN take.
/// </summary>
public static class LatentFiles
{
    public const string NpyMediaType = "application/x-npy";
    public const string NpzMediaType = "application/x-npz";

    /// <summary>The array name in an .npz: stylegan2-ada-pytorch's projector.py saves <c>np.savez(..., w=...)</c>.</summary>
    public const string NpzArrayName = "w";

    // Byte 0x93, then "NUMPY" (a u8 string literal would encode U+0093 as two bytes).
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// A .npy file, format version 1.0: magic, header length, a Python-literal header padded with
    /// spaces to a multiple of 64 bytes (as NumPy writes it), then the raw values.
    /// </summary>
    public static byte[] ToNpy(Latent latent)
    {
        var header = string.Create(CultureInfo.InvariantCulture,
            $"{{'descr': '<f4', 'fortran_order': False, 'shape': (1, {latent.Rows}, {latent.WDim}), }}");
        const int preamble = 10; // magic (6) + version (2) + header length (2)
        var padded = (preamble + header.Length + 1 + 63) / 64 * 64 - preamble;
        header = header.PadRight(padded - 1) + "\n";

        var data = new byte[preamble + header.Length + latent.Values.Count * sizeof(float)];
        Magic.CopyTo(data);
        data[6] = 1;
        data[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, data.AsSpan(preamble));
        var values = data.AsSpan(preamble + header.Length);
        for (var i = 0; i < latent.Values.Count; i++)
            BinaryPrimitives.WriteSingleLittleEndian(values[(i * sizeof(float))..], latent.Values[i]);
        return data;
    }

    /// <summary>A .npz archive holding the .npy as array <see cref="NpzArrayName"/> (uncompressed, as <c>np.savez</c>).</summary>
    public static byte[] ToNpz(Latent latent)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry(NpzArrayName + ".npy", CompressionLevel.NoCompression);
            using var stream = entry.Open();
            stream.Write(ToNpy(latent));
        }
        return buffer.ToArray();
    }
}
