using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Models;

namespace HpcBackprop.Cli.Commands;

/// <summary>hpcbackprop export-npy: a model's flat parameter vector as a NumPy .npy file.</summary>
internal sealed class ExportNpyCommand : Command
{
    public override string Name => "export-npy";

    public override string Summary => "Write a model's flat parameter vector as .npy (shape (P,), C order).";

    public override IReadOnlyCollection<string> ValueOptions => ["model", "output"];

    public override string Help =>
        "  --model FILE         the model (.hpcb) (required)\n" +
        "  --output FILE        the .npy file to write (required); '<f4' or '<f8' as the model stores it\n" +
        "Theta(1) comes first, each matrix row-major: in numpy, theta1 = p[:s2*(s1+1)].reshape(s2, s1+1).\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        string modelPath = args.Require("model"), output = args.Require("output");
        OutputPath.Check("export-npy", "--output", output);
        NetworkModel model = ModelFile.Load(modelPath);
        if (model.ElementType == ModelElementType.Single)
        {
            NpyFile.Save<float>(output, model.GetParameters<float>());
        }
        else
        {
            NpyFile.Save<double>(output, model.GetParameters<double>());
        }

        context.Out.WriteLine($"wrote {model.Layout.ParameterCount} parameters of {model.Layout} to {output}");
        return 0;
    }
}

/// <summary>hpcbackprop import-npy: replace a model's parameters with a .npy vector.</summary>
internal sealed class ImportNpyCommand : Command
{
    public override string Name => "import-npy";

    public override string Summary => "Replace a model's parameters with a .npy vector and save it as a new model.";

    public override IReadOnlyCollection<string> ValueOptions => ["model", "npy", "output"];

    public override string Help =>
        "  --model FILE         the model whose layout and feature scaling are kept (required)\n" +
        "  --npy FILE           a one-dimensional '<f4' or '<f8' array of P elements (required)\n" +
        "  --output FILE        the new model (.hpcb), stored in the .npy's precision (required)\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        string modelPath = args.Require("model"), npyPath = args.Require("npy"), output = args.Require("output");
        OutputPath.Check("import-npy", "--output", output);
        NetworkModel model = ModelFile.Load(modelPath);
        byte[] bytes = File.ReadAllBytes(npyPath);
        NpyHeader header = NpyFile.ReadHeader(bytes, npyPath);
        int count = header.Shape.Count == 1 ? header.Shape[0] : -1;
        if (count != model.Layout.ParameterCount)
        {
            throw new DataException($"{npyPath}: shape ({string.Join(", ", header.Shape)}), but the model {model.Layout} has {model.Layout.ParameterCount} parameters, shape ({model.Layout.ParameterCount},).");
        }

        NetworkModel updated;
        try
        {
            updated = header.ElementType == ModelElementType.Single
                ? model.WithParameters<float>(NpyFile.Deserialize<float>(bytes, npyPath))
                : model.WithParameters<double>(NpyFile.Deserialize<double>(bytes, npyPath));
        }
        catch (ArgumentException e)
        {
            throw new DataException($"{npyPath}: {e.Message}");
        }

        ModelFile.Save(updated, output);
        context.Out.WriteLine($"wrote {output}: {model.Layout} with the parameters of {npyPath}");
        return 0;
    }
}
