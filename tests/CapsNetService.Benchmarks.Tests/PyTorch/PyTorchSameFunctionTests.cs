using CapsNetService.Benchmarks.PyTorch;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Model;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Tests.PyTorch;

/// <summary>A slow test that needs Debian's python3-torch under /usr/bin/python3; skipped, with the reason, without it.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute()
    {
        if (!SlowFactAttribute.Enabled) Skip = $"slow test (runs PyTorch); set {SlowFactAttribute.Variable}=1 to run it";
        else if (PythonBaseline.TorchVersion(PythonBaseline.DefaultPython) is { Version: null } missing)
            Skip = $"{missing.Detail}; install Debian's python3-torch (apt-get install python3-torch) to run it";
    }
}

/// <summary>The harness's same-function check, end to end: the bench/pytorch model loaded with a TorchSharp
/// CapsNet's weights computes its function, and the check notices when it does not.</summary>
public sealed class PyTorchSameFunctionTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("capsnet-pytorch-test-");
    private string[] parameterNames = [];

    [PyTorchFact]
    public void PyTorch_eager_from_the_trainers_weights_is_the_trainers_function()
    {
        var verdict = SameFunction.Judge(Check(PythonBaseline.DefaultScript));

        Assert.True(verdict.Agrees, verdict.Reason);
        Assert.Equal(2, verdict.Check.Threads);
        Assert.Equal(parameterNames.Order(), verdict.Check.Gradients!.Keys.Order());   // every parameter's gradient, compared by name
    }

    [PyTorchFact]
    public void Routing_softmax_over_the_inputs_instead_of_the_parents_is_caught()
    {
        var script = File.ReadAllText(PythonBaseline.DefaultScript);
        const string parents = "c = F.softmax(b, dim=2)";
        Assert.Contains(parents, script);
        var wrong = Path.Combine(folder.FullName, "wrong_axis.py");
        File.WriteAllText(wrong, script.Replace(parents, "c = F.softmax(b, dim=1)"));

        var verdict = SameFunction.Judge(Check(wrong));

        Assert.False(verdict.Agrees);
    }

    private PythonResult Check(string script)
    {
        // Random digits suffice: the check compares two implementations on the same input.
        var random = new Random(7);
        var pixels = new byte[8 * 28 * 28];
        random.NextBytes(pixels);
        var set = new MnistSet(pixels, [0, 1, 2, 3, 4, 5, 6, 7], 28, 28);
        string weights = Path.Combine(folder.FullName, "weights.npz"), reference = Path.Combine(folder.FullName, "reference.npz");
        manual_seed(42);
        using (var model = new CapsNet(CapsNetArchitecture.Paper))
        {
            parameterNames = model.named_parameters().Select(p => p.name).ToArray();
            BaselineFiles.WriteWeights(model, weights);
            BaselineFiles.WriteReference(model, set, 8, reference);
        }
        return PythonBaseline.Run(PythonBaseline.DefaultPython, script, "check",
                                  ["--weights", weights, "--reference", reference, "--threads", "2"]);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
