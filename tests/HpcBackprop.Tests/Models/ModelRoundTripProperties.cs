using FsCheck;
using FsCheck.Xunit;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Models;

public class ModelRoundTripProperties
{
    [Property(MaxTest = 200)]
    public bool Any_layout_and_precision_round_trips_bitwise(PositiveInt input, PositiveInt hidden, PositiveInt output, bool deep, bool single, ulong seed)
    {
        int[] sizes = deep
            ? [1 + (input.Get % 9), 1 + (hidden.Get % 9), 1 + (hidden.Get % 5), 1 + (output.Get % 9)]
            : [1 + (input.Get % 9), 1 + (output.Get % 9)];
        var layout = new NetworkLayout(sizes);
        var random = new Random((int)(seed % int.MaxValue));
        double[] offsets = Enumerable.Range(0, layout.InputSize).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] scales = Enumerable.Range(0, layout.InputSize).Select(_ => random.NextDouble() + 0.5).ToArray();
        NetworkModel model = single
            ? NetworkModel.Create<float>(layout, WeightInitializer.Create<float>(layout, seed), offsets, scales)
            : NetworkModel.Create<double>(layout, WeightInitializer.Create<double>(layout, seed), offsets, scales);

        byte[] bytes = ModelFile.Serialize(model);
        return ModelFile.Deserialize(bytes).BitwiseEquals(model) && ModelFile.Serialize(ModelFile.Deserialize(bytes)).SequenceEqual(bytes);
    }

    [Property(MaxTest = 100)]
    public bool Npy_round_trips_any_finite_vector(NormalFloat[] values)
    {
        double[] data = values.Select(v => v.Get).ToArray();
        return NpyFile.Deserialize<double>(NpyFile.Serialize<double>(data)).SequenceEqual(data);
    }
}
