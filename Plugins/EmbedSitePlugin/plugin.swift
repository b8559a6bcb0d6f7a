import Foundation
import PackagePlugin

/// Embeds `static/` and `openapi.yaml` into the `SiteFiles` target. The input list is read from disk at every
/// build, so a page added, changed or removed under `static/` is picked up without touching any code.
@main
struct EmbedSitePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        var inputs = [root.appending(path: "openapi.yaml")]
        let keys: [URLResourceKey] = [.isRegularFileKey]
        let staticDirectory = root.appending(path: "static")
        if let walker = FileManager.default.enumerator(at: staticDirectory, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: Set(keys)))?.isRegularFile == true {
                inputs.append(url)
            }
        }
        // Adding or removing a file changes the input list, and with it the command, which then runs again.
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSiteFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding static/ and openapi.yaml",
                executable: try context.tool(named: "EmbedSite").url,
                arguments: [root.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
