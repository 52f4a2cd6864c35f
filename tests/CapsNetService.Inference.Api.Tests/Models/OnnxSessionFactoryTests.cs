
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The execution provider choice. Where CUDA cannot be used (no GPU, no CUDA libraries), auto falls back to
/// the CPU and says why, and cuda refuses; where it can, both run on CUDA.</summary>
public sealed class OnnxSessionFactoryTests
{
    [Fact]
    public void Cpu_never_tries_cuda()
    {
        var created = Loaders.Sessions("cpu").Create(TestModels.DecoderBytes, "capsnet.decoder.onnx");
        using var session = created.Session;
        Assert.Equal(OnnxSessionFactory.CpuProvider, created.ExecutionProvider);
        Assert.Null(created.FallbackReason);
    }

    [Fact]
    public void Auto_uses_cuda_or_says_why_not()
    {
        var created = Loaders.Sessions("auto").Create(TestModels.DecoderBytes, "capsnet.decoder.onnx");
        using var session = created.Session;
        if (created.ExecutionProvider == OnnxSessionFactory.CpuProvider)
            Assert.False(string.IsNullOrWhiteSpace(created.FallbackReason));
        else
            Assert.Equal(OnnxSessionFactory.CudaProvider, created.ExecutionProvider);
    }

    [Fact]
    public void Cuda_refuses_to_fall_back()
    {
        OnnxSessionFactory.CreatedSession? created = null;
        try
        {
            created = Loaders.Sessions("cuda").Create(TestModels.DecoderBytes, "capsnet.decoder.onnx");
            Assert.Equal(OnnxSessionFactory.CudaProvider, created.ExecutionProvider);
        }
        catch (ModelRejectedException e)
        {
            Assert.Contains("CUDA", e.Message);
        }
        finally
        {
            created?.Session.Dispose();
        }
    }
}
