using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DragGan.Hosting;

/// <summary>How both hosts take their settings: bound from one section, checked by one validator.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> bound from the section <paramref name="sectionName"/>
    /// (<c>AddOptions().Bind().ValidateOnStart()</c>, checked by <paramref name="validator"/>), and
    /// returns the bound value checked by the same validator now: a host composes its services with
    /// some settings (message limits, ports, which store) before its container exists, and a bad
    /// value must stop it there with the validator's message (<see cref="OptionsValidationException"/>).
    /// </summary>
    public static TOptions AddValidatedOptions<TOptions>(this WebApplicationBuilder builder, string sectionName,
        IValidateOptions<TOptions> validator)
        where TOptions : class, new()
    {
        var section = builder.Configuration.GetSection(sectionName);
        builder.Services.AddSingleton(validator);
        builder.Services.AddOptions<TOptions>().Bind(section).ValidateOnStart();

        var options = new TOptions();
        section.Bind(options);
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        return options;
    }
}
