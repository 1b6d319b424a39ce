import DockerEngine
import Foundation
import Testing

/// Engine answers recorded from Docker 28, decoded the way the agent reads them.
struct DockerModelDecodingTests {
    @Test func topOfAContainerWithNoProcessLeftIsAnEmptyList() throws {
        let json = #"{"Titles": ["UID", "PID", "CMD"], "Processes": null}"#
        let top = try JSONDecoder().decode(ContainerTop.self, from: Data(json.utf8))
        #expect(top.titles == ["UID", "PID", "CMD"])
        #expect(top.processes.isEmpty)
    }

    @Test func imageLabelsAreRead() throws {
        let json = #"{"Id": "sha256:abc", "Config": {"Cmd": ["sh"], "Labels": {"zun.project.id": "pb"}}}"#
        let image = try JSONDecoder().decode(ImageInspect.self, from: Data(json.utf8))
        #expect(image.config?.labels?["zun.project.id"] == "pb")
    }
}
