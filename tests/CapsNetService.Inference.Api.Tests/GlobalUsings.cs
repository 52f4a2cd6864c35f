global using CapsNetService.Common;
global using CapsNetService.Inference.Api;
global using CapsNetService.Inference.Api.Explorer;
global using CapsNetService.Inference.Api.Hosting;
global using CapsNetService.Inference.Api.Models;
global using CapsNetService.Inference.Api.Prediction;
global using CapsNetService.Inference.Api.Tests.Support;
global using CapsNetService.Tests;
