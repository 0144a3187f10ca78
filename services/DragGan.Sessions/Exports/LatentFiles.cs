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

    /// <summary>The array name in an .npz of a tuned photo's session: the delta's bytes (the inference service's format).</summary>
    public const string NpzWeightDeltaName = "weight_delta";

    /// <summary>A .npy file of the latent: float32, shape [1, num_ws, w_dim].</summary>
    public static byte[] ToNpy(Latent latent)
    {
        var values = new byte[latent.Values.Count * sizeof(float)];
        for (var i = 0; i < latent.Values.Count; i++)
            BinaryPrimitives.WriteSingleLittleEndian(values.AsSpan(i * sizeof(float)), latent.Values[i]);
        return Npy("<f4", string.Create(CultureInfo.InvariantCulture, $"(1, {latent.Rows}, {latent.WDim})"), values);
    }

    /// <summary>
    /// A .npz archive (uncompressed, as <c>np.savez</c>) holding the latent as array
    /// <see cref="NpzArrayName"/> and, for a tuned photo's session, its delta as the uint8 array
    /// <see cref="NpzWeightDeltaName"/> (empty <paramref name="weightDelta"/>: none).
    /// </summary>
    public static byte[] ToNpz(Latent latent, ReadOnlySpan<byte> weightDelta = default)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, NpzArrayName, ToNpy(latent));
            if (!weightDelta.IsEmpty)
                Add(zip, NpzWeightDeltaName, Npy("|u1", string.Create(CultureInfo.InvariantCulture, $"({weightDelta.Length},)"), weightDelta));
        }
        return buffer.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] npy)
    {
        var entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
        using var stream = entry.Open();
        stream.Write(npy);
    }

    /// <summary>
    /// A .npy file, format version 1.0: magic, header length, a Python-literal header padded with
    /// spaces to a multiple of 64 bytes (as NumPy writes it), then the raw values (C order).
    /// </summary>
    private static byte[] Npy(string descr, string shape, ReadOnlySpan<byte> values)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        const int preamble = 10; // magic (6) + version (2) + header length (2)
        var padded = (preamble + header.Length + 1 + 63) / 64 * 64 - preamble;
        header = header.PadRight(padded - 1) + "\n";

        var data = new byte[preamble + header.Length + values.Length];
        Magic.CopyTo(data);
        data[6] = 1;
        data[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, data.AsSpan(preamble));
        values.CopyTo(data.AsSpan(preamble + header.Length));
        return data;
    }
}
