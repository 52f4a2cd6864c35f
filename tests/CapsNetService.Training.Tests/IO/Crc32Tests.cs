using System.Text;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Tests.IO;

public sealed class Crc32Tests
{
    [Fact]
    public void Gives_the_standard_check_value_and_folds_in_pieces()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xCBF43926u, Crc32.Append(0, data));                       // the CRC-32/ISO-HDLC check value
        Assert.Equal(0xCBF43926u, Crc32.Append(Crc32.Append(0, data[..4]), data[4..]));
        Assert.Equal(0xCBF43926u, Crc32.Of(new MemoryStream(data)));
        Assert.Equal(0u, Crc32.Append(0, []));
    }
}
