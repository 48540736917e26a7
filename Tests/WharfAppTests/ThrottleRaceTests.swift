import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite
import WharfTestSupport

/// Issue 10, item 2: the sign-in throttle cannot be raced, reset by a correct password, dodged
/// with IPv6, emptied by a spray, or reset by a restart; and a flood from one address cannot keep
/// the real admin out.
@Suite struct ThrottleRaceTests {
    /// A `POST /signin` as a browser with pre-session cookie `pre` would send it.
    static func signInRequest(_ app: TestApp, username: String, password: String, pre: String) -> HTTPRequest {
        let csrf = app.accounts.signer.csrfToken(preSession: pre)
        let body = "csrf=\(FormDecoding.encode(csrf))&username=\(username)&password=\(FormDecoding.encode(password))"
        return HTTPRequest.make(.post, "/signin", headers: [
            "Host": "localhost", "Origin": "http://localhost", "Accept": "text/html", "Cookie": "wharf_pre=\(pre)",
            "Content-Type": "application/x-www-form-urlencoded",
        ], body: Array(body.utf8))
    }

    static let pre = String(repeating: "p", count: 43)

    private func fail(_ browser: TestBrowser, _ username: String = "ada") async throws -> HTTPResponse {
        try await browser.failSignIn(username)
    }

    @Test func twoHundredConcurrentWrongPasswordsHashAtMostTheLimit() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let statuses = Locked<[Int]>([])
            let retryAfter = Locked(true)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        let request = Self.signInRequest(app, username: "ada", password: "not the password", pre: Self.pre)
                        let response = try? await app.respond(request, address: "192.0.2.50")
                        if response?.status == .tooManyRequests, Int(response?.headers["Retry-After"] ?? "") == nil {
                            retryAfter.withLock { $0 = false }
                        }
                        statuses.withLock { $0.append(response?.status.code ?? 0) }
                    }
                }
            }
            let all = statuses.withLock { $0 }
            #expect(all.allSatisfy { $0 == 401 || $0 == 429 }, "\(Set(all))")
            #expect(retryAfter.value, "every 429 says when to retry")
            // Refusals (throttled, or too many hashes pending) are audited once per address and
            // minute, with a count.
            let refusals = try await app.auditRows("auth.signin.throttled").count + app.auditRows("auth.signin.busy").count
            #expect(refusals >= 1 && refusals <= 2, "\(refusals) rows for \(all.filter { $0 == 429 }.count) refusals")
            // Each 401 is one hash verification; the rest never reached scrypt.
            let hashed = try await app.auditRows("auth.signin.failed").count
            #expect(hashed <= 5, "\(hashed) wrong passwords were hashed")
            #expect(all.filter { $0 == 401 }.count == hashed)
            // Going on one at a time reaches the limit, then 429.
            var more = 0
            while more < 10, try await app.respond(
                Self.signInRequest(app, username: "ada", password: "not the password", pre: Self.pre), address: "192.0.2.50"
            ).status == .unauthorized { more += 1 }
            #expect(hashed + more == 5)
        }
    }

    @Test func secondFactorGuessesStayLimitedAcrossCorrectPasswordSignIns() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .viewer)
            let secret = (0..<TOTP.secretByteCount).map { UInt8($0 * 3 % 256) }
            try await app.app.database.write { connection in
                try UserRepository.enableTOTP(
                    secret: secret, step: 1, recoveryCodeHashes: [], userID: ada.id, now: 0, key: app.accounts.secretKey, on: connection)
            }
            let right = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
            let wrong = right == "000000" ? "111111" : "000000"
            let browser = TestBrowser(app, address: "192.0.2.60")
            var statuses: [Int] = []
            for _ in 0..<8 {
                #expect(try await browser.signIn("ada").location == "/signin/totp")
                try await browser.get("/signin/totp")
                statuses.append(try await browser.post("/signin/totp", [("code", wrong)]).status.code)
            }
            #expect(statuses == [401, 401, 401, 401, 401, 429, 429, 429], "\(statuses)")
            // From another address too: the count is the account's.
            let elsewhere = TestBrowser(app, address: "198.51.100.60")
            #expect(try await elsewhere.signIn("ada").location == "/signin/totp")
            try await elsewhere.get("/signin/totp")
            let refused = try await elsewhere.post("/signin/totp", [("code", right)])
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers["Retry-After"] ?? "") ?? 0 > 0)
        }
    }

    @Test func ipv6ClientsAreCountedByTheirSlash64() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            for host in 1...5 {
                #expect(try await fail(TestBrowser(app, address: "2001:db8:7:1::\(host)")).status == .unauthorized)
            }
            #expect(try await fail(TestBrowser(app, address: "2001:db8:7:1:ffff:ffff:ffff:ffff")).status == .tooManyRequests)
            #expect(try await TestBrowser(app, address: "2001:db8:7:2::1").signIn("ada").status == .seeOther)
        }
    }

    @Test func pruningDropsTheOldestKeysNeverTheNewest() async throws {
        try await withApp(options: { $0.throttle.maximumKeys = 20 }) { app in
            try await app.user("ada", .admin)
            for index in 0..<8 { _ = try await fail(TestBrowser(app, address: "203.0.113.\(index)"), "spray\(index)") }
            let attacker = TestBrowser(app, address: "192.0.2.70")
            for _ in 0..<5 { #expect(try await fail(attacker).status == .unauthorized) }
            // More spraying pushes the table over its bound (20 keys: a pair and a client per
            // failure): the oldest keys go, not the attacker's newer ones.
            for index in 8..<14 { _ = try await fail(TestBrowser(app, address: "203.0.113.\(index)"), "spray\(index)") }
            #expect(try await fail(attacker).status == .tooManyRequests)
        }
    }

    @Test func throttlingSurvivesARestart() async throws {
        let first = try await TestApp.make()
        try await first.user("ada", .admin)
        try await first.user("bob", .viewer)
        let secret = (0..<TOTP.secretByteCount).map { UInt8($0 * 5 % 256) }
        let bob = try #require(try await first.accounts.user(named: "bob"))
        try await first.app.database.write { connection in
            try UserRepository.enableTOTP(
                secret: secret, step: 1, recoveryCodeHashes: [], userID: bob.id, now: 0, key: first.accounts.secretKey, on: connection)
        }
        for _ in 0..<5 { #expect(try await fail(TestBrowser(first, address: "192.0.2.80")).status == .unauthorized) }
        let wrong = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: first.time.source.now())) == "000000" ? "111111" : "000000"
        let browser = TestBrowser(first, address: "192.0.2.81")
        for _ in 0..<5 {
            try await browser.signIn("bob")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", wrong)]).status == .unauthorized)
        }
        let second = try await first.restarted()
        #expect(try await fail(TestBrowser(second, address: "192.0.2.80")).status == .tooManyRequests)
        let again = TestBrowser(second, address: "192.0.2.82")
        try await again.signIn("bob")
        try await again.get("/signin/totp")
        #expect(try await again.post("/signin/totp", [("code", wrong)]).status == .tooManyRequests)
        await second.shutdown()
    }
}

/// A timed test over real loopback whose flood loads both cores, so `deploy/dev/test.sh` runs it
/// alone, not beside 400 busy tests (nor beside the other promptness tests it would slow down).
@Suite struct SignInFloodTests {
    /// A real server on loopback: 32 connections from 127.0.0.2 post wrong passwords as fast as
    /// they can (scrypt at N=2^14, so each costs something), while the admin signs in from
    /// 127.0.0.3: the admin's `POST /signin` is answered within 2 s. (Before the hash queue was
    /// bounded per client, it waited behind dozens of the flood's hashes.) Bounded: the flood
    /// stops when the admin is in, or after 20 s.
    @Test func whileAFloodRunsFromOneAddressTheAdminSignsInFromAnotherWithinTwoSeconds() async throws {
        try await withApp(options: { $0.passwordParameters = .init(logN: 14, r: 8, p: 1) }) { app in
            try await app.user("root", .admin)
            try app.app.start()
            let address = try #require(app.app.boundAddresses.first)
            let attacker = try SocketAddress(ip: "127.0.0.2", port: 0)
            let admin = try SocketAddress(ip: "127.0.0.3", port: 0)
            let stop = Locked(false)
            let sent = Locked(0)
            let flood = Task {
                await withTaskGroup(of: Void.self) { group in
                    for client in 0..<32 {
                        group.addTask {
                            let started = ContinuousClock.now
                            guard let page = try? await LoopbackSession.exchange(address, "GET", "/signin", from: attacker),
                                  let pre = page.values("Set-Cookie").first?.split(separator: ";").first.map(String.init),
                                  let csrf = TestBrowser.attribute(after: #"name="csrf" value=""#, in: page.text) else { return }
                            var index = 0
                            while !stop.withLock({ $0 }), ContinuousClock.now - started < .seconds(20) {
                                index += 1
                                _ = try? await LoopbackSession.exchange(
                                    address, "POST", "/signin", cookies: pre,
                                    form: "csrf=\(csrf)&username=guess\(client)x\(index)&password=wrong+guess+\(index)", from: attacker)
                                sent.withLock { $0 += 1 }
                            }
                        }
                    }
                }
            }
            // The admin opens the sign-in page, and sends the form once the flood is going.
            let page = try await LoopbackSession.exchange(address, "GET", "/signin", from: admin)
            let pre = try #require(page.values("Set-Cookie").first?.split(separator: ";").first.map(String.init))
            let csrf = try #require(TestBrowser.attribute(after: #"name="csrf" value=""#, in: page.text))
            while sent.withLock({ $0 }) < 32 { try await Task.sleep(for: .milliseconds(5)) }
            let start = ContinuousClock.now
            let signedIn = try await LoopbackSession.exchange(
                address, "POST", "/signin", cookies: pre, form: "csrf=\(csrf)&username=root&password=a+long+enough+password", from: admin)
            let elapsed = ContinuousClock.now - start
            stop.withLock { $0 = true }
            await flood.value
            #expect(signedIn.status == 303)
            #expect(signedIn.values("Set-Cookie").contains { $0.hasPrefix("wharf_session=") })
            #expect(elapsed < .seconds(2), "the admin's sign-in took \(elapsed) during the flood")
            print("admin sign-in during a flood of \(sent.withLock { $0 }) requests: \(elapsed)")
        }
    }
}
