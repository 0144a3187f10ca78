using System.CommandLine;
using DragGan.Training.Detection;
using DragGan.Training.Generators;
using DragGan.Training.Showcase;

var root = new RootCommand("Trains the face models: the StyleGAN2 generator fitted to the face renderer, and the landmark detector; draws a face model's showcase.");
root.Add(GeneratorCommand.Create());
root.Add(DetectorCommand.Create());
root.Add(ShowcaseCommand.Create());
return root.Parse(args).Invoke();
