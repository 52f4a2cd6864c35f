// MSBuild task (compiled by RoslynCodeTaskFactory) that makes TorchSharp 0.107's libLibTorchSharp.so
// loadable on hosts whose libstdc++ predates GCC 13 (Debian 12 tops out at GLIBCXX_3.4.30).
//
// The library needs GLIBCXX_3.4.32 for a single symbol, _ZSt21ios_base_library_initv, a marker that
// GCC 13 emits to force <iostream> initialisation and that nothing actually calls. Two edits fix it:
//   1. give that symbol no version (its .gnu.version entry becomes 1, "global"), as
//      `patchelf --clear-symbol-version` does;
//   2. rename the now unused GLIBCXX_3.4.32 requirement in .gnu.version_r to GLIBCXX_3.4 (name offset
//      and ELF hash), because the dynamic loader checks every listed requirement, used or not.
// The copy in the build output is patched, never the NuGet cache. Patching is idempotent.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchElfVersionNeed : Task
{
    [Required] public ITaskItem[] Files { get; set; }
    [Required] public string Symbol { get; set; }
    [Required] public string FromVersion { get; set; }
    [Required] public string ToVersion { get; set; }

    const uint ShtDynsym = 11, ShtGnuVersym = 0x6fffffff, ShtGnuVerneed = 0x6ffffffe;

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = Patch(bytes);
                if (result == null) { Log.LogMessage(MessageImportance.Low, $"{path}: nothing to patch"); continue; }
                var temp = path + ".patching";
                File.WriteAllBytes(temp, bytes);
                File.Replace(temp, path, null); // atomic swap; RoslynCodeTaskFactory compiles for netstandard2.0
                Log.LogMessage(MessageImportance.High, $"Patched {Path.GetFileName(path)}: {result}");
            }
            catch (Exception e)
            {
                Log.LogError($"Could not patch {path} for {FromVersion}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    // Returns a description of what changed, or null when the file already needs nothing.
    string Patch(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        int dynsym = -1, versym = -1, verneed = -1;
        for (int i = 0; i < shnum; i++)
        {
            uint type = U32(elf, (int)shoff + i * shentsize + 4);
            if (type == ShtDynsym) dynsym = i;
            else if (type == ShtGnuVersym) versym = i;
            else if (type == ShtGnuVerneed) verneed = i;
        }
        if (dynsym < 0 || versym < 0 || verneed < 0) return null;

        int Sh(int index, int field) => (int)shoff + index * shentsize + field;
        int dynsymOff = (int)U64(elf, Sh(dynsym, 24)), dynsymSize = (int)U64(elf, Sh(dynsym, 32));
        int dynstr = (int)U32(elf, Sh(dynsym, 40));
        int dynstrOff = (int)U64(elf, Sh(dynstr, 24)), dynstrSize = (int)U64(elf, Sh(dynstr, 32));
        int versymOff = (int)U64(elf, Sh(versym, 24));
        int verneedOff = (int)U64(elf, Sh(verneed, 24)), verneedCount = (int)U32(elf, Sh(verneed, 44));

        var changes = new StringBuilder();

        // 1. The symbol loses its version.
        for (int s = 0; s < dynsymSize / 24; s++)
        {
            if (CString(elf, dynstrOff + (int)U32(elf, dynsymOff + s * 24)) != Symbol) continue;
            int entry = versymOff + s * 2;
            if (U16(elf, entry) > 1)
            {
                elf[entry] = 1; elf[entry + 1] = 0;
                changes.Append($"cleared the version of {Symbol}; ");
            }
        }

        // 2. The unused requirement is renamed to one every libstdc++ provides.
        int toNameOffset = FindString(elf, dynstrOff, dynstrSize, ToVersion);
        int need = verneedOff;
        for (int n = 0; n < verneedCount; n++)
        {
            int aux = need + (int)U32(elf, need + 8);
            for (int a = 0; a < U16(elf, need + 2); a++)
            {
                if (CString(elf, dynstrOff + (int)U32(elf, aux + 8)) == FromVersion)
                {
                    if (toNameOffset < 0) throw new InvalidDataException($"{ToVersion} is not in .dynstr");
                    Put32(elf, aux, ElfHash(ToVersion));
                    Put32(elf, aux + 8, (uint)toNameOffset);
                    changes.Append($"renamed the {FromVersion} requirement to {ToVersion}");
                }
                aux += (int)U32(elf, aux + 12);
            }
            need += (int)U32(elf, need + 12);
        }
        return changes.Length == 0 ? null : changes.ToString().TrimEnd(' ', ';');
    }

    static int FindString(byte[] elf, int tableStart, int tableSize, string value)
    {
        var needle = Encoding.ASCII.GetBytes(value + "\0");
        for (int i = tableStart + 1; i + needle.Length <= tableStart + tableSize; i++)
        {
            if (elf[i - 1] != 0) continue;
            int k = 0;
            while (k < needle.Length && elf[i + k] == needle[k]) k++;
            if (k == needle.Length) return i - tableStart;
        }
        return -1;
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    static string CString(byte[] b, int at) { int end = Array.IndexOf(b, (byte)0, at); return Encoding.ASCII.GetString(b, at, end - at); }
    static ushort U16(byte[] b, int at) => BitConverter.ToUInt16(b, at);
    static uint U32(byte[] b, int at) => BitConverter.ToUInt32(b, at);
    static ulong U64(byte[] b, int at) => BitConverter.ToUInt64(b, at);
    static void Put32(byte[] b, int at, uint v) => BitConverter.GetBytes(v).CopyTo(b, at);
}
