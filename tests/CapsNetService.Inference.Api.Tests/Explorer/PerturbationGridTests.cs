
namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>The grid PNG of POST /explore: tiles in row-major order, 1-pixel grey gutters between them, no border.</summary>
public sealed class PerturbationGridTests
{
    [Theory]
    [InlineData(16, 11, 318, 463)]
    [InlineData(16, 2, 57, 463)]
    [InlineData(1, 1, 28, 28)]
    public void The_grid_is_the_tiles_and_the_gutters_between_them(int rows, int columns, int width, int height)
    {
        var grid = new PerturbationGrid(Tiles(rows, columns), rows, columns);
        Assert.Equal((width, height), (grid.Width, grid.Height));
        var (w, h, _) = CapsuleRequests.GreyPixels(grid.GridPng());
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public void Each_tile_sits_at_its_row_and_column()
    {
        var grid = new PerturbationGrid(Tiles(16, 11), 16, 11);
        var (width, _, grey) = CapsuleRequests.GreyPixels(grid.GridPng());
        for (int r = 0; r < 16; r++)
        for (int c = 0; c < 11; c++)
        {
            Assert.Equal(TileGrey(r, c, 11), grey[(r * 29) * width + c * 29]);             // top-left pixel of the tile
            Assert.Equal(TileGrey(r, c, 11), grey[(r * 29 + 27) * width + c * 29 + 27]);   // bottom-right
            if (c < 10) Assert.Equal(PerturbationGrid.GutterGrey, grey[(r * 29 + 10) * width + c * 29 + 28]);
            if (r < 15) Assert.Equal(PerturbationGrid.GutterGrey, grey[(r * 29 + 28) * width + c * 29 + 10]);
        }
        // A single tile is its own 28×28 PNG with the same grey levels.
        Assert.Equal(Enumerable.Repeat(TileGrey(3, 4, 11), 784), CapsuleRequests.GreyPixels(grid.TilePng(3, 4)).Grey);
    }

    [Fact]
    public void Tiles_that_do_not_fill_the_grid_are_refused() =>
        Assert.Throws<ArgumentException>(() => new PerturbationGrid(new byte[784 * 15], 16, 1));

    private static byte TileGrey(int row, int column, int columns) => (byte)((row * columns + column) % 200 + 20);

    private static byte[] Tiles(int rows, int columns)
    {
        var tiles = new byte[rows * columns * 784];
        for (int n = 0; n < rows * columns; n++)
            tiles.AsSpan(n * 784, 784).Fill(TileGrey(n / columns, n % columns, columns));
        return tiles;
    }
}
