using System.Net.Http.Json;
using System.Text.Json;

namespace CapsNetService.LoadTest.Runs;

/// <summary>What GET /model says about the serving model and the reloads.</summary>
public sealed record ModelState(bool Loaded, string? Version, long LoadedCount, long RejectedCount, string? LastOutcome,
                                string? LastErrorReason, string? LastErrorSha256, string RawJson);

/// <summary>The service's own endpoints the runs watch: liveness, readiness, GET /model.</summary>
public sealed class ServiceProbe(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    public Uri BaseAddress => baseAddress;

    /// <summary>True when GET /health/live answers 200 within 10 s.</summary>
    public async Task<bool> IsLiveAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health/live");
            return (int)response.StatusCode == 200;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health/ready");
            return (int)response.StatusCode == 200;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<ModelState> ModelAsync()
    {
        var text = await _http.GetStringAsync("/model");
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var reload = root.GetProperty("reload");
        JsonElement error = default;
        bool hasError = reload.TryGetProperty("lastError", out error) && error.ValueKind == JsonValueKind.Object;
        return new ModelState(
            root.GetProperty("loaded").GetBoolean(),
            root.TryGetProperty("modelVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null,
            reload.GetProperty("loadedCount").GetInt64(),
            reload.GetProperty("rejectedCount").GetInt64(),
            reload.TryGetProperty("lastOutcome", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
            hasError && error.TryGetProperty("message", out var r) ? r.GetString() : null,
            hasError && error.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
            text);
    }

    /// <summary>Waits for the service to answer GET /health/ready with 200.</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await IsReadyAsync()) return true;
            await Task.Delay(250);
        }
        return false;
    }

    public void Dispose() => _http.Dispose();
}
