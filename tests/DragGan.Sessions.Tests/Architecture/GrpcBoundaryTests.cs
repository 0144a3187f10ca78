using System.Reflection;
using System.Reflection.Emit;
using DragGan.Sessions.Domain;

namespace DragGan.Sessions.Tests.Architecture;

/// <summary>
/// gRPC stays at the service's edges: the service layer (<c>Services</c>) answers calls and turns
/// the service's own errors (<c>Errors</c>) into statuses; the inference client (<c>Inference</c>)
/// calls the inference service and turns its statuses into those errors; the drag calls' handler
/// reads and writes the calls' streams; the HTTP pipeline answers refused calls with a status.
/// Everything else (sessions, drags, exports, admission, storage) uses no gRPC type: no
/// RpcException thrown or caught, no status, no stream, no call context.
/// </summary>
public sealed class GrpcBoundaryTests
{
    private static readonly string[] GrpcNamespaces = ["DragGan.Sessions.Services", "DragGan.Sessions.Inference"];

    private static readonly string[] GrpcTypes =
    [
        "DragGan.Sessions.SessionsHost",
        "DragGan.Sessions.Drags.SessionDragCallHandler",
        "DragGan.Sessions.Security.GrpcStatusResponse",
    ];

    [Fact]
    public void OnlyTheGrpcLayerUsesGrpcTypes()
    {
        var offenders = typeof(SessionEditor).Assembly.GetTypes()
            .Where(type => type.DeclaringType is null && !IsGrpcLayer(type))
            .SelectMany(type => GrpcTypesWrittenIn(type).Select(used => $"{type.FullName} uses {used}"))
            .Distinct()
            .Order()
            .ToArray();

        Assert.True(offenders.Length == 0, "gRPC types below the service layer:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheScanSeesGrpcTypesInSignaturesBodiesAndCatches()
    {
        Assert.Contains("Grpc.Core.RpcException", GrpcTypesWrittenIn(typeof(Throws)));
        Assert.Contains("Grpc.Core.RpcException", GrpcTypesWrittenIn(typeof(Catches)));
        Assert.Contains("Grpc.Core.ServerCallContext", GrpcTypesWrittenIn(typeof(TakesAContext)));
        Assert.Contains("Grpc.Core.StatusCode", GrpcTypesWrittenIn(typeof(ReadsAStatus)));
        Assert.Empty(GrpcTypesWrittenIn(typeof(UsesNone)));
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static bool IsGrpcLayer(Type type) =>
        GrpcNamespaces.Contains(type.Namespace) || GrpcTypes.Contains(type.FullName);

    /// <summary>The type's and its nested types': compiler-made ones (async state machines, closures) hold the code written in the type.</summary>
    private static IEnumerable<string> GrpcTypesWrittenIn(Type type) =>
        GrpcTypesUsedBy(type).Concat(type.GetNestedTypes(All).SelectMany(GrpcTypesWrittenIn)).Distinct();

    /// <summary>gRPC types in the type's base, interfaces, fields, signatures, locals, catch clauses and the members its code touches.</summary>
    private static IEnumerable<string> GrpcTypesUsedBy(Type type)
    {
        var used = new List<Type?> { type.BaseType };
        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetFields(All).Select(f => f.FieldType));
        used.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
                used.Add(info.ReturnType);
            used.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method.GetMethodBody() is not { } body)
                continue;
            used.AddRange(body.LocalVariables.Select(l => l.LocalType));
            used.AddRange(body.ExceptionHandlingClauses.Where(c => c.Flags == ExceptionHandlingClauseOptions.Clause).Select(c => c.CatchType));
            used.AddRange(TouchedTypes(method, body));
        }
        return used.SelectMany(Unwrap).Where(IsGrpc).Select(t => t.FullName ?? t.Name).Distinct();
    }

    private static bool IsGrpc(Type type) =>
        type.Namespace?.StartsWith("Grpc.Core", StringComparison.Ordinal) == true
        || type.Assembly.GetName().Name?.StartsWith("Grpc.Core", StringComparison.Ordinal) == true;

    /// <summary>The type, its element type and generic arguments, and its base types (a generated client derives from Grpc.Core.ClientBase).</summary>
    private static IEnumerable<Type> Unwrap(Type? type)
    {
        if (type is null || type.IsGenericParameter)
            yield break;
        yield return type;
        if (type.HasElementType)
            foreach (var inner in Unwrap(type.GetElementType()))
                yield return inner;
        if (type.IsGenericType)
            foreach (var inner in type.GetGenericArguments().SelectMany(Unwrap))
                yield return inner;
        for (var b = type.BaseType; b is not null && b != typeof(object); b = b.BaseType)
            yield return b;
    }

    /// <summary>The types of the methods, fields and types the method's IL refers to (newobj RpcException, a StatusCode field, ...).</summary>
    private static IEnumerable<Type?> TouchedTypes(MethodBase method, MethodBody body)
    {
        var il = body.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var opCode = il[i] == 0xFE ? TwoByteOpCodes[il[i + 1]] : OneByteOpCodes[il[i]];
            i += opCode.Size;
            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                }
                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case FieldInfo f:
                        yield return f.DeclaringType;
                        yield return f.FieldType;
                        break;
                    case MethodBase m:
                        yield return m.DeclaringType;
                        if (m is MethodInfo mi)
                            yield return mi.ReturnType;
                        foreach (var p in m.GetParameters())
                            yield return p.ParameterType;
                        break;
                }
            }
            i += OperandSize(opCode, il, i);
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int at) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };

    private static readonly OpCode[] OneByteOpCodes = OpCodesBy(size: 1);
    private static readonly OpCode[] TwoByteOpCodes = OpCodesBy(size: 2);

    private static OpCode[] OpCodesBy(int size)
    {
        var codes = new OpCode[256];
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
            if (field.GetValue(null) is OpCode code && code.Size == size)
                codes[(ushort)code.Value & 0xFF] = code;
        return codes;
    }

    // Shapes the scan must see, and one it must not flag.
    private static class Throws
    {
        public static void Refuse() => throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.NotFound, "x"));
    }

    private static class Catches
    {
        public static async Task<bool> TryAsync(Func<Task> call)
        {
            try
            {
                await call();
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }
    }

    private static class TakesAContext
    {
        public static CancellationToken Of(Grpc.Core.ServerCallContext context) => context.CancellationToken;
    }

    private static class ReadsAStatus
    {
        public static bool IsMissing(Exception e) => e.Data["status"] is Grpc.Core.StatusCode.NotFound;
    }

    private static class UsesNone
    {
        public static async Task<int> CountAsync(IAsyncEnumerable<int> values, CancellationToken cancellationToken)
        {
            var count = 0;
            await foreach (var _ in values.WithCancellation(cancellationToken))
                count++;
            return count;
        }
    }
}
