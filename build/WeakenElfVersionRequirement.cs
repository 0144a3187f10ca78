#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version requirement (an ELF Vernaux entry, e.g. GLIBCXX_3.4.32) weak in
/// 64-bit little-endian shared libraries, but only when the host's libstdc++ does not define
/// that version. A weak requirement that the host lacks is reported by the loader instead of
/// making the load fail; the symbols themselves still resolve through their default versions.
/// </summary>
public sealed class WeakenElfVersionRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        var libstdcxx = FindHostLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogMessage(MessageImportance.Low, "No libstdc++.so.6 found on this host; nothing to patch.");
            return true;
        }
        if (FileContains(libstdcxx, VersionName))
        {
            Log.LogMessage(MessageImportance.Low, $"{libstdcxx} defines {VersionName}; nothing to patch.");
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                if (Weaken(path))
                {
                    Log.LogMessage(MessageImportance.High,
                        $"Marked {VersionName} weak in {path} ({libstdcxx} lacks it).");
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Log.LogError($"Could not patch {path}: {ex.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <returns>true when the file was changed; false when the entry was already weak or absent.</returns>
    private bool Weaken(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");

                var sectionTable = checked((int)U64(elf, 0x28));
        var sectionSize = U16(elf, 0x3A);
        var sectionCount = U16(elf, 0x3C);

        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionTable + i * sectionSize;
            if (U32(elf, header + 4) != ShtGnuVerneed)
                continue;

            var offset = checked((int)U64(elf, header + 0x18));
            var stringsIndex = (int)U32(elf, header + 0x28);
            var needCount = (int)U32(elf, header + 0x2C);
            var stringsHeader = sectionTable + stringsIndex * sectionSize;
            var strings = checked((int)U64(elf, stringsHeader + 0x18));

            var need = offset;
            for (var n = 0; n < needCount; n++)
            {
                var auxCount = U16(elf, need + 2);
                var aux = need + (int)U32(elf, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = ReadCString(elf, strings + (int)U32(elf, aux + 8));
                    if (name == VersionName)
                    {
                        var flags = U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                            return false;
                        var weak = (ushort)(flags | VerFlagWeak);
                        elf[aux + 4] = (byte)weak;
                        elf[aux + 5] = (byte)(weak >> 8);
                        ReplaceFile(path, elf);
                        return true;
                    }
                    aux += (int)U32(elf, aux + 12);
                }
                need += (int)U32(elf, need + 12);
            }
        }
        return false;
    }

    // Write beside, then replace, so a hard-linked copy never changes the package cache it points to.
    private static void ReplaceFile(string path, byte[] contents)
    {
        var temporary = path + ".patching";
        File.WriteAllBytes(temporary, contents);
        File.Delete(path);
        File.Move(temporary, path);
    }

    private static string ReadCString(byte[] data, int start)
    {
        var end = Array.IndexOf(data, (byte)0, start);
        return Encoding.ASCII.GetString(data, start, end - start);
    }

    private static ushort U16(byte[] data, int at) => (ushort)(data[at] | data[at + 1] << 8);

    private static uint U32(byte[] data, int at) => U16(data, at) | (uint)U16(data, at + 2) << 16;

    private static ulong U64(byte[] data, int at) => U32(data, at) | (ulong)U32(data, at + 4) << 32;

    private static string? FindHostLibStdCxx()
    {
        try
        {
            var info = new ProcessStartInfo("ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(info);
            if (process is not null)
            {
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                foreach (var line in output.Split('\n'))
                {
                    var arrow = line.IndexOf("=>", StringComparison.Ordinal);
                    if (line.TrimStart().StartsWith("libstdc++.so.6 ", StringComparison.Ordinal)
                        && line.Contains("x86-64") && arrow > 0)
                        return line.Substring(arrow + 2).Trim();
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No ldconfig on this host; fall back to the usual locations.
        }
        foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6" })
        {
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static bool FileContains(string path, string text)
    {
        // The version names live in .gnu.version_d as plain ASCII strings.
        var contents = Encoding.ASCII.GetString(File.ReadAllBytes(path));
        return contents.IndexOf(text, StringComparison.Ordinal) >= 0;
    }
}
