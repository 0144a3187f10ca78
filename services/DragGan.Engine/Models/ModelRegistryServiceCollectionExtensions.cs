using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DragGan.Engine.Models;

public static class ModelRegistryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IModelRegistry"/> as a singleton, with <see cref="ModelRegistryOptions"/>
    /// bound from <paramref name="configuration"/>'s section <paramref name="sectionName"/> and
    /// validated on start. With no such section the registry holds the demo model alone.
    /// </summary>
    public static IServiceCollection AddModelRegistry(
        this IServiceCollection services, IConfiguration configuration, string sectionName = ModelRegistryOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ModelRegistryOptions>().Bind(configuration.GetSection(sectionName));
        return services.AddModelRegistryCore();
    }

    /// <summary>Registers <see cref="IModelRegistry"/> with options set in code.</summary>
    public static IServiceCollection AddModelRegistry(this IServiceCollection services, Action<ModelRegistryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ModelRegistryOptions>().Configure(configure);
        return services.AddModelRegistryCore();
    }

    private static IServiceCollection AddModelRegistryCore(this IServiceCollection services)
    {
        services.AddOptions<ModelRegistryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelRegistryOptions>, ModelRegistryOptionsValidator>());
        services.TryAddSingleton(sp => new ModelRegistry(
            sp.GetRequiredService<IOptions<ModelRegistryOptions>>().Value,
            sp.GetService<ILogger<ModelRegistry>>()));
        services.TryAddSingleton<IModelRegistry>(sp => sp.GetRequiredService<ModelRegistry>());
        return services;
    }
}
