using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// Writes Python pickle opcodes for the value shapes network pickles use (test-side, so tests can
/// build checkpoints the official code would write, and broken variants of them).
/// </summary>
internal sealed class PickleEmitter(int protocol = 4)
{
    private readonly MemoryStream output = new();
    private readonly Dictionary<PyShared, int> memo = new(ReferenceEqualityComparer.Instance);

    public static byte[] Dump(object? value, int protocol = 4)
    {
        var emitter = new PickleEmitter(protocol);
        emitter.output.Write([0x80, (byte)protocol]);
        emitter.Emit(value);
        emitter.Op('.');
        return emitter.output.ToArray();
    }

    private void Emit(object? value)
    {
        switch (value)
        {
            case null: Op('N'); break;
            case bool b: Op(b ? 0x88 : 0x89); break;
            case int or long:
                var l = Convert.ToInt64(value);
                if (l is >= int.MinValue and <= int.MaxValue) { Op('J'); Int32(checked((int)l)); }
                else EmitLong(l);
                break;
            case BigInteger big: EmitLong(big); break;
            case float or double:
                Op('G');
                Span<byte> d = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(d, Convert.ToDouble(value));
                output.Write(d);
                break;
            case string s:
                var utf8 = Encoding.UTF8.GetBytes(s);
                Op('X'); Int32(utf8.Length); output.Write(utf8);
                break;
            case byte[] bytes: Op('B'); Int32(bytes.Length); output.Write(bytes); break;
            case object?[] tuple:
                if (tuple.Length == 0) { Op(')'); break; }
                Op('(');
                foreach (var item in tuple) Emit(item);
                Op('t');
                break;
            case PyGlobal global: EmitGlobal(global); break;
            case PyCall call: EmitGlobal(call.Callable); Emit(call.Args); Op('R'); break;
            case PyCallWithState built: Emit(built.Call); Emit(built.State); Op('b'); break;
            case PyInstance instance:
                EmitGlobal(instance.Class); Op(')'); Op(0x81); // NEWOBJ
                Emit(instance.State); Op('b');
                break;
            case PyDictOf dict:
                EmitGlobal(dict.Class); Op(')'); Op('R');
                EmitItems(dict.Items);
                break;
            case PyPersistentId id: Emit(id.Id); Op('Q'); break;
            case PyShared shared when memo.TryGetValue(shared, out var index): Op('j'); Int32(index); break; // LONG_BINGET
            case PyShared shared:
                Emit(shared.Value);
                memo[shared] = memo.Count;
                Op('r'); Int32(memo[shared]); // LONG_BINPUT
                break;
            case IEnumerable<KeyValuePair<string, object?>> dict: Op('}'); EmitItems(dict.ToList()); break;
            case ISet<string> set:
                Op(0x8f); // EMPTY_SET
                if (set.Count > 0) { Op('('); foreach (var item in set) Emit(item); Op(0x90); }
                break;
            case IList list:
                Op(']');
                if (list.Count > 0) { Op('('); foreach (var item in list) Emit(item); Op('e'); }
                break;
            default: throw new ArgumentException($"Cannot pickle {value.GetType()}.");
        }
    }

    private void EmitItems(IReadOnlyList<KeyValuePair<string, object?>> items)
    {
        if (items.Count == 0) return;
        Op('(');
        foreach (var (key, item) in items) { Emit(key); Emit(item); }
        Op('u');
    }

    private void EmitGlobal(PyGlobal global)
    {
        if (protocol >= 4)
        {
            Emit(global.Module); Emit(global.Name); Op(0x93); // STACK_GLOBAL
        }
        else
        {
            output.Write(Encoding.ASCII.GetBytes($"c{global.Module}\n{global.Name}\n"));
        }
    }

    private void EmitLong(BigInteger value)
    {
        var bytes = value.ToByteArray(); // little-endian two's complement, as LONG1 wants
        Op(0x8a); output.WriteByte(checked((byte)bytes.Length)); output.Write(bytes);
    }

    private void Op(int opcode) => output.WriteByte((byte)opcode);

    private void Int32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        output.Write(b);
    }
}
