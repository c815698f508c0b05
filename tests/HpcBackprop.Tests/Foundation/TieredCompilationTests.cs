using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Tests.Foundation;

/// <summary>
/// Every method of the kernels, engines and optimizers that loops is compiled fully optimized from its first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>) or inlined into one that is
/// (<see cref="MethodImplOptions.AggressiveInlining"/>, called only from such methods): README, "Tiered
/// compilation". Without it the tiered JIT runs the method as tier-0 code (no inlining, nothing kept in registers)
/// until it has been called 30 times and the runtime's tiering delay has passed, which held the first few hundred
/// milliseconds of a process (and every call of a service that calls rarely) at up to 1.67x the steady time of the
/// batched 400-25-10 step.
/// </summary>
/// <remarks>
/// A loop is found in the IL as a branch to an earlier offset. Constructors are left out: they run once per
/// workspace or team, which the pools keep. Compiler-generated types (closures, iterators) are scanned like the
/// rest. The check is static; the README gives the profile that shows the tier-0 share of the steps' samples.
/// </remarks>
public class TieredCompilationTests
{
    private static readonly string[] HotNamespaces = ["HpcBackprop.Kernels", "HpcBackprop.Engine", "HpcBackprop.Training"];

    [Fact]
    public void Every_looping_kernel_engine_and_optimizer_method_is_optimized_from_its_first_call()
    {
        List<MethodInfo> methods = HotMethods().ToList();
        List<MethodInfo> looping = methods.Where(m => HasBackwardBranch(Il(m))).ToList();

        // The scan finds the kernels' loops at all (a broken IL walk would find none and pass).
        Assert.True(looping.Count >= 40, $"only {looping.Count} looping methods found");
        List<string> missing = looping.Where(m => (m.MethodImplementationFlags & (Optimized | Inlined)) == 0).Select(Name).ToList();
        Assert.True(missing.Count == 0, "Loops that would start as tier-0 code:\n" + string.Join("\n", missing.Distinct()));
    }

    [Fact]
    public void An_inlined_loop_is_called_only_from_methods_optimized_from_their_first_call()
    {
        // A tier-0 caller inlines nothing: an AggressiveInlining loop would run as tier-0 code inside it.
        var inlinedLoops = HotMethods()
            .Where(m => (m.MethodImplementationFlags & Inlined) != 0 && HasBackwardBranch(Il(m)))
            .Select(m => m.MetadataToken).ToHashSet();
        Assert.NotEmpty(inlinedLoops);
        List<string> callers = [];
        foreach (MethodInfo caller in typeof(NetworkLayout).Assembly.GetTypes().SelectMany(t => t.GetMethods(All)))
        {
            if ((caller.MethodImplementationFlags & (Optimized | Inlined)) != 0 || caller.GetMethodBody() is null)
            {
                continue;
            }

            foreach (int token in CalledTokens(Il(caller)))
            {
                MethodBase? callee = Resolve(caller, token);
                if (callee is not null && callee.Module == caller.Module && inlinedLoops.Contains(callee.MetadataToken))
                {
                    callers.Add($"{Name(caller)} -> {callee.DeclaringType?.Name}.{callee.Name}");
                }
            }
        }

        Assert.True(callers.Count == 0, "AggressiveInlining loops called from tier-0 methods:\n" + string.Join("\n", callers));
    }

    [Fact]
    public void The_il_walk_finds_a_loop_and_only_a_loop()
    {
        Assert.True(HasBackwardBranch(IlOf(nameof(Looping))));
        Assert.True(HasBackwardBranch(IlOf(nameof(LongLoop))));
        Assert.False(HasBackwardBranch(IlOf(nameof(Straight))));
        Assert.False(HasBackwardBranch(IlOf(nameof(Switching))));
        Assert.Contains(CalledTokens(IlOf(nameof(Calling))), t => Resolve(Method(nameof(Calling)), t)?.Name == nameof(Looping));
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private const MethodImplAttributes Optimized = MethodImplAttributes.AggressiveOptimization;
    private const MethodImplAttributes Inlined = MethodImplAttributes.AggressiveInlining;

    private static IEnumerable<MethodInfo> HotMethods()
        => typeof(NetworkLayout).Assembly.GetTypes()
            .Where(t => t.Namespace is not null && HotNamespaces.Any(n => t.Namespace == n || t.Namespace.StartsWith(n + ".", StringComparison.Ordinal)))
            .SelectMany(t => t.GetMethods(All))
            .Where(m => m.GetMethodBody() is not null);

    private static byte[] Il(MethodBase method) => method.GetMethodBody()!.GetILAsByteArray()!;

    private static string Name(MethodBase method) => $"{method.DeclaringType?.FullName}.{method.Name}";

    private static MethodInfo Method(string name) => typeof(TieredCompilationTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static byte[] IlOf(string name) => Il(Method(name));

    // The method a call token names, in the caller's generic context; null where it does not resolve (a call through
    // a generic parameter's constraint, say).
    private static MethodBase? Resolve(MethodBase caller, int token)
    {
        try
        {
            Type[]? typeArguments = caller.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
            Type[]? methodArguments = caller.IsGenericMethod ? caller.GetGenericArguments() : null;
            return caller.Module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (Exception e) when (e is ArgumentException or TypeLoadException or MissingMemberException)
        {
            return null;
        }
    }

    private static int Looping(int n)
    {
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += i;
        }

        return sum;
    }

    // A loop whose body is too long for a one-byte branch back (br, not br.s).
    private static long LongLoop(int n)
    {
        long a = 1, b = 2, c = 3, d = 4;
        for (int i = 0; i < n; i++)
        {
            a = (a * 31) + b; b = (b * 37) + c; c = (c * 41) + d; d = (d * 43) + a;
            a = (a * 47) + b; b = (b * 53) + c; c = (c * 59) + d; d = (d * 61) + a;
            a = (a * 67) + b; b = (b * 71) + c; c = (c * 73) + d; d = (d * 79) + a;
            a = (a * 83) + b; b = (b * 89) + c; c = (c * 97) + d; d = (d * 101) + a;
        }

        return a + b + c + d;
    }

    private static int Straight(int n) => n > 3 ? n * 2 : n - 1;

    // A dense switch (the IL switch instruction, its targets after it).
    private static int Switching(int n) => n switch { 0 => 5, 1 => 7, 2 => 11, 3 => 13, 4 => 17, _ => 0 };

    private static int Calling(int n) => Looping(n) + 1;

    // Whether any branch, or any target of a switch, goes back to an earlier offset.
    private static bool HasBackwardBranch(byte[] il)
    {
        foreach ((OpCode op, int start, int operand) in Instructions(il))
        {
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget when operand + 1 + (sbyte)il[operand] <= start:
                case OperandType.InlineBrTarget when operand + 4 + BitConverter.ToInt32(il, operand) <= start:
                    return true;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, operand);
                    int next = operand + 4 + (4 * count);
                    for (int i = 0; i < count; i++)
                    {
                        if (next + BitConverter.ToInt32(il, operand + 4 + (4 * i)) <= start)
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    // The method tokens of the call and callvirt instructions.
    private static IEnumerable<int> CalledTokens(byte[] il)
        => Instructions(il).Where(i => i.Op == OpCodes.Call || i.Op == OpCodes.Callvirt).Select(i => BitConverter.ToInt32(il, i.Operand));

    // The IL instruction by instruction (operand sizes from System.Reflection.Emit.OpCodes): each opcode, where the
    // instruction starts and where its operand starts.
    private static IEnumerable<(OpCode Op, int Start, int Operand)> Instructions(byte[] il)
    {
        int offset = 0;
        while (offset < il.Length)
        {
            OpCode op = il[offset] == 0xFE ? TwoByte[il[offset + 1]] : OneByte[il[offset]];
            int start = offset, operand = offset + op.Size;
            yield return (op, start, operand);
            offset = operand + (op.OperandType == OperandType.InlineSwitch
                ? 4 + (4 * BitConverter.ToInt32(il, operand))
                : OperandBytes(op.OperandType));
        }
    }

    private static int OperandBytes(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineI or OperandType.ShortInlineVar or OperandType.ShortInlineBrTarget => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // tokens, InlineI, ShortInlineR, InlineSig, InlineBrTarget
    };

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static TieredCompilationTests()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }
}
