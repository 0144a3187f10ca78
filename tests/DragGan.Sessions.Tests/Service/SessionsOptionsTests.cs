using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Tests.Service;

/// <summary>The host's settings: bound from "Sessions", checked by one validator before anything starts.</summary>
public sealed class SessionsOptionsTests
{
    [Fact]
    public void EverySettingOutOfRange_IsNamed_AndTheHostIsNotBuilt()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(
            ("Sessions:MaxHistory", "0"),
            ("Sessions:RateLimit:TokenLimit", "0"),
            ("Sessions:TenantLimits:Drags", "0"),
            ("Sessions:ApiKeys:0:Tenant", "acme"),
            ("Sessions:ApiKeys:0:KeyHash", "not-a-hash")));

        Assert.Contains("Sessions:MaxHistory must be in 1..10000, got 0.", error.Failures);
        Assert.Contains("Sessions:RateLimit:TokenLimit must be at least 1, got 0.", error.Failures);
        Assert.Contains("Sessions:TenantLimits:Drags must be at least 1, got 0.", error.Failures);
        Assert.Contains("Sessions:ApiKeys:0:KeyHash must be the SHA-256 of the key as 64 hex digits.", error.Failures);
        Assert.Equal(4, error.Failures.Count());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void AnExportNicenessOutsideLinuxsRange_IsNamed(int niceness)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(("Sessions:ExportLimits:Niceness", niceness.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal([$"Sessions:ExportLimits:Niceness must be in 0..19, got {niceness}."], error.Failures);
    }

    [Fact]
    public void TheServicesSeeTheBoundValues()
    {
        using var app = Build(("Sessions:MaxHistory", "7"));

        Assert.Equal(7, app.Services.GetRequiredService<IOptions<SessionsOptions>>().Value.MaxHistory);
    }

    [Fact]
    public async Task ValuesChangedAfterComposition_AreCheckedAgainWhenTheHostStarts()
    {
        await using var app = SessionsHost.CreateApplication([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Warning" });
            builder.Services.PostConfigure<SessionsOptions>(options => options.MaxHistory = 0);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Sessions:MaxHistory must be in 1..10000, got 0.", error.Failures);
    }

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Warning", ["Sessions:SqlitePath"] = Path.Combine(Path.GetTempPath(), $"draggan-options-{Guid.NewGuid():N}.db"), };
        foreach (var (key, value) in settings)
            configuration[key] = value;
        return SessionsHost.CreateApplication([], builder => builder.Configuration.AddInMemoryCollection(configuration));
    }
}
