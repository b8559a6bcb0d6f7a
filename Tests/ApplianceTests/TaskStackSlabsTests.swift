import Testing

@testable import Appliance

@Suite struct TaskStackSlabsTests {
    let emptyFile = ConfigurationFile(path: "appliance.conf", entries: [:])

    @Test func slabsAreOnByDefaultAndConfigurable() throws {
        let defaults = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: emptyFile)
        #expect(defaults.taskStackSlabs)
        let off = try ApplianceConfiguration.resolve(flags: ["TASK_STACK_SLABS": "false"], environment: [:], file: emptyFile)
        #expect(!off.taskStackSlabs)
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: ["TASK_STACK_SLABS": "maybe"], environment: [:], file: emptyFile)
        }
    }

    @Test func offRestartsOnceWithTheRuntimeVariableSet() {
        #expect(TaskStackSlabs.pendingValue(enabled: false, environment: [:]) == "false")
        #expect(TaskStackSlabs.pendingValue(enabled: false, environment: ["SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR": "true"]) == "false")
        // After the restart the variable says what was asked: no second restart (no exec loop).
        #expect(TaskStackSlabs.pendingValue(enabled: false, environment: ["SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR": "false"]) == nil)
    }

    @Test func onKeepsTheRuntimeDefaultWithoutRestarting() {
        #expect(TaskStackSlabs.pendingValue(enabled: true, environment: [:]) == nil)
        #expect(TaskStackSlabs.pendingValue(enabled: true, environment: ["SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR": "TRUE"]) == nil)
        #expect(TaskStackSlabs.pendingValue(enabled: true, environment: ["SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR": "false"]) == "true")
    }
}
