import Testing
@testable import WharfApp
import WharfSQLite

/// ``BearerCache``: an answer is kept only after a settled look, until the next commit or its
/// lifetime, whichever comes first.
@Suite struct BearerCacheTests {
    @Test func answersAreKeptUntilACommitOrTheirLifetime() async throws {
        let accounts = try await testAccounts()
        let database = accounts.database
        let ada = try await accounts.createUser(username: "ada", role: .operator, password: "a long enough password", by: cliActor)
        let secret = try await accounts.createToken(userID: ada.id, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
        let (token, user) = try await database.read { connection in
            (try APITokenStore.find(secret: secret, on: connection), try UserRepository.find(id: ada.id, on: connection))
        }
        let answer = BearerCache.Answer(token: try #require(token), user: try #require(user), host: nil)
        let cache = BearerCache(changes: database.changes, lifetime: .milliseconds(300))
        let key = BearerCache.key(tokenHash: APITokenStore.hash(secret), host: nil, endpoint: false)
        let settle = DatabaseChanges.settleTime + .milliseconds(5)

        #expect(cache.lookup(key).stamp == nil, "the watch has just begun: nothing may be kept")
        try await Task.sleep(for: settle)
        let first = cache.lookup(key)
        #expect(first.answer == nil)
        cache.store(answer, for: key, stamp: try #require(first.stamp))
        #expect(cache.lookup(key).answer?.token == answer.token, "kept")

        try await database.write { connection in try connection.execute("UPDATE users SET role = 'viewer' WHERE id = ?", [.integer(ada.id)]) }
        #expect(cache.lookup(key).answer == nil, "any commit drops it")
        #expect(cache.lookup(key).stamp == nil, "and what is read right after is not kept")

        try await Task.sleep(for: settle)
        let again = cache.lookup(key)
        cache.store(answer, for: key, stamp: try #require(again.stamp))
        #expect(cache.lookup(key).answer != nil)
        try await Task.sleep(for: .milliseconds(350))
        #expect(cache.lookup(key).answer == nil, "past its lifetime")
        await database.close()
    }
}
