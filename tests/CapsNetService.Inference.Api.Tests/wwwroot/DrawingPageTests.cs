using System.Text.RegularExpressions;

namespace CapsNetService.Inference.Api.Tests.wwwroot;

/// <summary>GET / serves the drawing page and its assets, with nothing fetched from elsewhere (the service may be
/// offline). The page itself is exercised in a real browser by <see cref="DrawingPageBrowserTests"/>.</summary>
[Collection(ServiceCollection.Name)]
public sealed class DrawingPageTests(ServiceFixture service)
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/index.html", "text/html")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/styles.css", "text/css")]
    public async Task Serves_the_page_and_its_assets(string path, string mediaType)
    {
        using var response = await service.Client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*""(https?:)?//", RegexOptions.IgnoreCase), text);
        Assert.DoesNotContain("@import url(http", text);
    }

    [Fact]
    public async Task The_page_has_the_pad_the_bars_the_images_and_the_capsule_hook()
    {
        var html = await service.Client.GetStringAsync("/");
        Assert.Contains("<canvas id=\"pad\"", html);
        Assert.Contains("id=\"bars\"", html);
        Assert.Contains("id=\"reconstruction\"", html);
        Assert.Contains("id=\"capsule-explorer\"", html);
        Assert.Contains("id=\"capsule-sliders\"", html);
    }
}
