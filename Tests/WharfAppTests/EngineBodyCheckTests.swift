import WharfWire
import Testing
@testable import WharfApp

/// The body checks of the Docker endpoint: decoded as Go's encoding/json decodes (keys fold, the
/// last duplicate wins, null keeps a value, objects merge), checked, and re-serialised so the
/// engine sees each checked field once.
@Suite struct EngineBodyCheckTests {
    func violation(_ json: String, _ kind: EngineBodyCheck.Kind = .containerCreate) throws -> String? {
        guard let body = try EngineBodyCheck.normalize(Array(json.utf8), kind: kind) else { return nil }
        return EngineBodyCheck.violation(in: body, kind: kind)?.field
    }

    func forwarded(_ json: String, _ kind: EngineBodyCheck.Kind = .containerCreate) throws -> String {
        String(decoding: try EngineBodyCheck.normalize(Array(json.utf8), kind: kind)?.serialized ?? [], as: UTF8.self)
    }

    @Test func aPlainRunPasses() throws {
        // What `docker run -d busybox sleep 1` sends (abridged), zero values included.
        let body = #"""
        {"Image":"busybox","Cmd":["sleep","1"],"HostConfig":{"Binds":null,"NetworkMode":"default","Privileged":false,
         "PidMode":"","CapAdd":null,"SecurityOpt":null,"Sysctls":null,"Devices":[],"Mounts":null,"Runtime":"","CgroupParent":""}}
        """#
        #expect(try violation(body) == nil)
    }

    @Test(arguments: [
        (#"{"HostConfig":{"Privileged":true}}"#, "HostConfig.Privileged"),
        (#"{"hostconfig":{"privileged":true}}"#, "HostConfig.Privileged"),
        (#"{"HOSTCONFIG":{"PRIVILEGED":true}}"#, "HostConfig.Privileged"),
        // Top-level HostConfig fields: the engine's deprecated embedded *HostConfig reads them.
        (#"{"Image":"x","Privileged":true}"#, "Privileged"),
        (#"{"Image":"x","binds":["/:/host"]}"#, "Binds"),
        // Duplicates: the last wins; null leaves a bool as it was.
        (#"{"HostConfig":{"Privileged":false,"Privileged":true}}"#, "HostConfig.Privileged"),
        (#"{"HostConfig":{"Privileged":true,"privileged":null}}"#, "HostConfig.Privileged"),
        // Objects merge: a second HostConfig adds to the first.
        (#"{"HostConfig":{"Privileged":true},"HostConfig":{"Memory":1}}"#, "HostConfig.Privileged"),
        // Unicode simple folding: U+017F (ſ) is s, U+212A (K) is k.
        ("{\"HostConfig\":{\"\u{17F}ecurityOpt\":[\"seccomp=unconfined\"]}}", "HostConfig.SecurityOpt"),
        ("{\"\u{17F}ysctls\":{\"kernel.x\":\"1\"}}", "Sysctls"),
        (#"{"HostConfig":{"PidMode":"host"}}"#, "HostConfig.PidMode"),
        (#"{"HostConfig":{"ipcmode":"HOST"}}"#, "HostConfig.IpcMode"),
        (#"{"HostConfig":{"NetworkMode":"host"}}"#, "HostConfig.NetworkMode"),
        (#"{"HostConfig":{"UsernsMode":"host"}}"#, "HostConfig.UsernsMode"),
        (#"{"HostConfig":{"UTSMode":"host"}}"#, "HostConfig.UTSMode"),
        (#"{"HostConfig":{"CgroupnsMode":"host"}}"#, "HostConfig.CgroupnsMode"),
        (#"{"HostConfig":{"CapAdd":"SYS_ADMIN"}}"#, "HostConfig.CapAdd"),
        (#"{"HostConfig":{"CapAdd":["ALL"]}}"#, "HostConfig.CapAdd"),
        (#"{"HostConfig":{"Capabilities":["CAP_SYS_ADMIN"]}}"#, "HostConfig.Capabilities"),
        (#"{"HostConfig":{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda"}]}}"#, "HostConfig.Devices"),
        (#"{"HostConfig":{"DeviceCgroupRules":["a *:* rwm"]}}"#, "HostConfig.DeviceCgroupRules"),
        (#"{"HostConfig":{"SecurityOpt":["apparmor=unconfined"]}}"#, "HostConfig.SecurityOpt"),
        (#"{"HostConfig":{"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"]}}"#, "HostConfig.SecurityOpt"),
        (#"{"HostConfig":{"SecurityOpt":["label=disable"]}}"#, "HostConfig.SecurityOpt"),
        (#"{"HostConfig":{"Sysctls":{"kernel.shmmax":"1"}}}"#, "HostConfig.Sysctls"),
        (#"{"HostConfig":{"CgroupParent":"/"}}"#, "HostConfig.CgroupParent"),
        (#"{"HostConfig":{"Runtime":"runsc"}}"#, "HostConfig.Runtime"),
        (#"{"HostConfig":{"Binds":["/etc:/host-etc:ro"]}}"#, "HostConfig.Binds"),
        (#"{"HostConfig":{"Binds":["./rel:/x"]}}"#, "HostConfig.Binds"),
        (#"{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/host"}]}}"#, "HostConfig.Mounts[0].Type"),
        (#"{"HostConfig":{"mounts":[{"type":"BIND","source":"/","target":"/host"}]}}"#, "HostConfig.Mounts[0].Type"),
        (#"{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/d","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/etc"}}}}]}}"#,
         "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options"),
        // A later duplicate Mounts decodes into the earlier element: the type stays bind.
        (#"{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/h"}],"Mounts":[{"Target":"/h"}]}}"#, "HostConfig.Mounts[0].Type"),
        (#"{"HostConfig":{"VolumesFrom":["admin-box"]}}"#, "HostConfig.VolumesFrom"),
        (#"{"HostConfig":{"DeviceRequests":[{"Count":-1}]}}"#, "HostConfig.DeviceRequests"),
        (#"{"HostConfig":"privileged"}"#, "HostConfig"),
    ])
    func refusedCreateBodies(body: String, field: String) throws {
        #expect(try violation(body) == field, "\(body)")
    }

    @Test(arguments: [
        #"{"HostConfig":{"Binds":["data:/data","/anonymous"],"Mounts":[{"Type":"volume","Source":"v","Target":"/v"},{"Type":"tmpfs","Target":"/t"}]}}"#,
        #"{"HostConfig":{"CapAdd":["NET_BIND_SERVICE","cap_chown"],"SecurityOpt":["no-new-privileges:true","apparmor=docker-default"]}}"#,
        #"{"HostConfig":{"NetworkMode":"container:abc","PidMode":"container:abc"}}"#,
        #"{"Image":"x","Labels":{"Privileged":"true"}}"#,
        #"{"HostConfig":{"Privileged":true,"Privileged":false}}"#,
    ])
    func allowedCreateBodies(body: String) throws {
        #expect(try violation(body) == nil, "\(body)")
    }

    @Test func theForwardedBodyHasEachCheckedFieldOnceUnderItsOwnName() throws {
        #expect(try forwarded(#"{"Image":"x","hostconfig":{"privileged":false,"Privileged":null},"hostConfig":{"Memory":5}}"#)
            == #"{"Image":"x","HostConfig":{"Privileged":false,"Memory":5}}"#)
        // Members the checks do not know pass as sent, duplicates and all, for the engine to read.
        #expect(try forwarded(#"{"Env":["A=1"],"env":["B=2"]}"#) == #"{"Env":["A=1"],"env":["B=2"]}"#)
        #expect(try forwarded(#"{"Name":"v","DriverOpts":{"a":"1","a":"2"}}"#, .volumeCreate) == #"{"Name":"v","DriverOpts":{"a":"2"}}"#)
        #expect(try forwarded("{\"S\":\"\\u00e9\\n\\\"\\u0001\"}") == "{\"S\":\"\u{e9}\\u000a\\\"\\u0001\"}")
    }

    @Test func otherBodies() throws {
        #expect(try violation(#"{"Privileged":true,"Cmd":["sh"]}"#, .execCreate) == "Privileged")
        #expect(try violation(#"{"privileged":false,"Cmd":["sh"]}"#, .execCreate) == nil)
        #expect(try violation(#"{"devices":[{"PathOnHost":"/dev/mem"}]}"#, .containerUpdate) == "Devices")
        #expect(try violation(#"{"Memory":1000000}"#, .containerUpdate) == nil)
        #expect(try violation(#"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/etc"}}"#, .volumeCreate) == "DriverOpts")
        #expect(try violation(#"{"Name":"v","driveropts":{"type":"overlay","o":"lowerdir=/etc,upperdir=/u"}}"#, .volumeCreate) == "DriverOpts")
        #expect(try violation(#"{"Name":"v","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m"}}"#, .volumeCreate) == nil)
    }

    @Test func foldingIsGos() {
        #expect(JSONText.goFold("PRIVILEGED") == "privileged")
        #expect(JSONText.goFold("\u{212A}ey") == "key")
        #expect(JSONText.goFold("\u{17F}") == "s")
        #expect(JSONText.goFold("Priv\u{130}leged") == nil)  // İ does not fold to i in Go's simple folding
    }

    @Test func anEmptyBodyStaysEmpty() throws {
        #expect(try EngineBodyCheck.normalize([], kind: .containerCreate) == nil)
        #expect(try EngineBodyCheck.normalize(Array(" \n".utf8), kind: .containerCreate) == nil)
    }

    @Test(arguments: [
        #"{"a":1} {"HostConfig":{"Privileged":true}}"#, #"{"a":"\ud800"}"#, #"{"a":01}"#, #"{"a":1,}"#, "{\"a\":\"\u{1}\"}",
        #"{"a":tru}"#, String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ])
    func malformedJSONIsRefusedNotRepaired(body: String) {
        #expect(throws: JSONText.SyntaxError.self) { try EngineBodyCheck.normalize(Array(body.utf8), kind: .containerCreate) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONText.SyntaxError.self) {
            try EngineBodyCheck.normalize([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], kind: .containerCreate)
        }
    }
}
