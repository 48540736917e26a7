import Glibc

/// Certificates made with the `openssl` command line into a temporary folder, once per test run:
///
/// | file | what |
/// |---|---|
/// | `ca.pem` | the test CA ("Wharf TLS Test CA"), valid 2024-01-01 to 2099-12-31 |
/// | `server-cert.pem` | O=Wharf Tests, CN=wharf-test-server; SAN IP:127.0.0.1, DNS:localhost; same dates |
/// | `client-cert.pem` | CN=wharf-test-client, clientAuth |
/// | `expired-cert.pem` | server cert valid from 3 days ago until yesterday |
/// | `future-cert.pem` | server cert valid from tomorrow |
/// | `wrong-ca.pem`, `rogue-server-cert.pem`, `wrong-client-cert.pem` | another CA and certs it signed |
/// | `encrypted-client-key.pem` | the client key under a passphrase |
///
/// `openssl ca` sets arbitrary validity dates (`-startdate`/`-enddate`), which `openssl x509` of
/// OpenSSL 3.0 cannot.
final class TestCertificates: Sendable {
    let directory: String

    /// Fixed validity of the CA and the server certificate, in Unix seconds.
    static let notBefore: Int64 = 1_704_067_200  // 2024-01-01 00:00:00 UTC
    static let notAfter: Int64 = 4_102_444_799   // 2099-12-31 23:59:59 UTC

    private init(directory: String) { self.directory = directory }

    func path(_ name: String) -> String { "\(directory)/\(name)" }
    func bytes(_ name: String) -> [UInt8] { ChildProcess.readBytes(path(name)) }

    /// The shared set, generated on first use.
    static func shared() async throws -> TestCertificates { try await generation.value }

    private static let generation = Task { try await generate() }

    private static func generate() async throws -> TestCertificates {
        var template = Array("/tmp/wharf-tls-tests-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ChildProcess.Failure(description: "mkdtemp failed: errno \(errno)")
        }
        let directory = String(cString: made)
        let script = "\(directory)/make-certificates.sh"
        let fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o700)
        guard fd >= 0 else { throw ChildProcess.Failure(description: "cannot write \(script)") }
        let text = Array(Self.script.utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        removeAtExit(directory)
        try await ChildProcess.run(["sh", script, directory], logPath: "\(directory)/make-certificates.log")
        return TestCertificates(directory: directory)
    }

    /// Removes the folder (keys included) when the test process exits. Set once, before `atexit`
    /// can run, and read only there: hence `nonisolated(unsafe)`.
    nonisolated(unsafe) private static var folderToRemove: String?

    private static func removeAtExit(_ directory: String) {
        folderToRemove = directory
        atexit {
            guard let folder = TestCertificates.folderToRemove, folder.hasPrefix("/tmp/wharf-tls-tests-") else { return }
            var pid: pid_t = 0
            let words: [String] = ["rm", "-rf", folder]
            let argv = words.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            guard posix_spawnp(&pid, "rm", nil, nil, argv, nil) == 0 else { return }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    private static let script = #"""
    set -eu
    D=$1
    cd "$D"
    d() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
    FROM=20240101000000Z
    UNTIL=20991231235959Z
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    config() {
        mkdir -p "$1/new"; : > "$1/index.txt"
        cat > "$1/ca.cnf" <<EOF
    [ ca ]
    default_ca = test_ca
    [ test_ca ]
    dir = $1
    database = \$dir/index.txt
    new_certs_dir = \$dir/new
    rand_serial = yes
    default_md = sha256
    policy = policy_any
    unique_subject = no
    email_in_dn = no
    copy_extensions = none
    [ policy_any ]
    organizationName = optional
    commonName = supplied
    [ req ]
    distinguished_name = dn
    prompt = no
    [ dn ]
    CN = placeholder
    [ ext_ca ]
    basicConstraints = critical, CA:TRUE
    keyUsage = critical, keyCertSign, cRLSign
    subjectKeyIdentifier = hash
    [ ext_server ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, digitalSignature
    extendedKeyUsage = serverAuth
    subjectAltName = IP:127.0.0.1, DNS:localhost
    [ ext_client ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, digitalSignature
    extendedKeyUsage = clientAuth
    EOF
    }
    # ca NAME SUBJECT
    ca() {
        config "$D/$1.d"; key "$1-key.pem"
        openssl req -new -config "$D/$1.d/ca.cnf" -key "$1-key.pem" -subj "$2" -out "$1.d/ca.csr"
        openssl ca -batch -notext -config "$D/$1.d/ca.cnf" -selfsign -keyfile "$1-key.pem" -in "$1.d/ca.csr" \
            -out "$1.pem" -extensions ext_ca -startdate $FROM -enddate $UNTIL 2>/dev/null
    }
    # leaf CA NAME SUBJECT EXT START END
    leaf() {
        key "$2-key.pem"
        openssl req -new -config "$D/$1.d/ca.cnf" -key "$2-key.pem" -subj "$3" -out "$1.d/$2.csr"
        openssl ca -batch -notext -config "$D/$1.d/ca.cnf" -cert "$1.pem" -keyfile "$1-key.pem" -in "$1.d/$2.csr" \
            -out "$2-cert.pem" -extensions "$4" -startdate "$5" -enddate "$6" 2>/dev/null
    }
    ca ca "/CN=Wharf TLS Test CA"
    leaf ca server "/O=Wharf Tests/CN=wharf-test-server" ext_server $FROM $UNTIL
    leaf ca client "/CN=wharf-test-client" ext_client "$(d '-1 hour')" "$(d '+1 year')"
    leaf ca expired "/CN=wharf-expired-server" ext_server "$(d '-3 days')" "$(d '-1 day')"
    leaf ca future "/CN=wharf-future-server" ext_server "$(d '+1 day')" "$(d '+1 year')"
    ca wrong-ca "/CN=Wharf Wrong CA"
    leaf wrong-ca rogue-server "/CN=wharf-rogue-server" ext_server $FROM $UNTIL
    leaf wrong-ca wrong-client "/CN=wharf-wrong-client" ext_client "$(d '-1 hour')" "$(d '+1 year')"
    openssl pkey -in client-key.pem -aes256 -passout pass:secret -out encrypted-client-key.pem
    openssl verify -CAfile ca.pem server-cert.pem client-cert.pem >/dev/null
    openssl x509 -in server-cert.pem -noout -serial > server-serial.txt
    openssl x509 -in server-cert.pem -noout -fingerprint -sha256 > server-fingerprint.txt
    """#
}
