using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Tests.Foundation;

/// <summary>
/// Every method of the kernels and engines that loops is compiled fully optimized from its first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>) or inlined into one that is
/// (<see cref="MethodImplOptions.AggressiveInlining"/>): README, "Tiered compilation". Without it the tiered
/// JIT runs the method as tier-0 code (no inlining, nothing kept in registers) until it has been called 30 times
/// and the runtime's tiering delay has passed, which held the first few hundred milliseconds of a process
/// (and every call of a service that calls rarely) at up to 1.65x the steady time.
/// </summary>
/// <remarks>
/// A loop is found in the IL as a branch to an earlier offset. Constructors are left out: they run once per
/// workspace or team, which the pools keep. The check is static; the README gives the profile that shows the
/// tier-0 share of the steps' samples.
/// </remarks>
public class TieredCompilationTests
{
    private static readonly string[] HotNamespaces = ["HpcBackprop.Kernels", "HpcBackprop.Engine"];

    [Fact]
    public void Every_looping_kernel_and_engine_method_is_optimized_from_its_first_call()
    {
        List<string> missing = [];
        int looping = 0;
        foreach (Type type in typeof(NetworkLayout).Assembly.GetTypes())
        {
            if (type.Namespace is null || !HotNamespaces.Any(n => type.Namespace == n || type.Namespace.StartsWith(n + ".", StringComparison.Ordinal))
                || type.IsDefined(typeof(CompilerGeneratedAttribute), false))
            {
                continue;
            }

            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            foreach (MethodInfo method in type.GetMethods(All))
            {
                byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null || !HasBackwardBranch(il))
                {
                    continue;
                }

                looping++;
                MethodImplAttributes flags = method.MethodImplementationFlags;
                if ((flags & (MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.AggressiveInlining)) == 0)
                {
                    missing.Add($"{type.FullName}.{method.Name}");
                }
            }
        }

        // The scan finds the kernels' loops at all (a broken IL walk would find none and pass).
        Assert.True(looping >= 40, $"only {looping} looping methods found");
        Assert.True(missing.Count == 0, "Loops that would start as tier-0 code:\n" + string.Join("\n", missing.Distinct()));
    }

    [Fact]
    public void The_il_walk_finds_a_loop_and_only_a_loop()
    {
        Assert.True(HasBackwardBranch(IlOf(nameof(Looping))));
        Assert.False(HasBackwardBranch(IlOf(nameof(Straight))));
    }

    private static byte[] IlOf(string name)
        => typeof(TieredCompilationTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.GetMethodBody()!.GetILAsByteArray()!;

    private static int Looping(int n)
    {
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += i;
        }

        return sum;
    }

    private static int Straight(int n) => n > 3 ? n * 2 : n switch { 1 => 5, 2 => 7, _ => 0 };

    // Walks the IL instruction by instruction (operand sizes from System.Reflection.Emit.OpCodes) and reports
    // whether any branch, or any target of a switch, goes back to an earlier offset.
    private static bool HasBackwardBranch(byte[] il)
    {
        int offset = 0;
        while (offset < il.Length)
        {
            OpCode op = il[offset] == 0xFE ? TwoByte[il[offset + 1]] : OneByte[il[offset]];
            int start = offset;
            offset += op.Size;
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    if (offset + 1 + (sbyte)il[offset] <= start)
                    {
                        return true;
                    }

                    offset += 1;
                    break;
                case OperandType.InlineBrTarget:
                    if (offset + 4 + BitConverter.ToInt32(il, offset) <= start)
                    {
                        return true;
                    }

                    offset += 4;
                    break;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, offset);
                    int next = offset + 4 + (4 * count);
                    for (int i = 0; i < count; i++)
                    {
                        if (next + BitConverter.ToInt32(il, offset + 4 + (4 * i)) <= start)
                        {
                            return true;
                        }
                    }

                    offset = next;
                    break;
                default:
                    offset += OperandBytes(op.OperandType);
                    break;
            }
        }

        return false;
    }

    private static int OperandBytes(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // tokens, InlineI, ShortInlineR, InlineSig
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
