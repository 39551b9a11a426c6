// Package emulator is a stand-in for HubSpot's CRM tasks batch endpoints:
// POST .../tasks/batch/upsert, .../batch/read, .../batch/archive,
// POST .../tasks/search and GET .../tasks/{taskId}, under both /crm/v3/objects/tasks and
// /crm/objects/2026-03/tasks. It is the default target of upsertbench's
// contract and load runs, so it aims to behave like the real endpoint
// (../shared/docs/hubspot-facts.md) and to never be the bottleneck.
//
// New returns an http.Handler; serve it with httptest.NewServer or an
// http.Server. It never imports package contract: it must not grade itself
// with upsertbench's own spec.
//
// # Semantics
//
//   - Upsert matches each input by the unique property its idProperty names
//     (hubspot.DefaultIDProperty, plus WithUniqueProperties). A value seen
//     for the first time creates a record (new: true, a new numeric id);
//     later upserts update it (new: false, same id). Properties not sent are
//     kept; "" clears. createdAt never changes; updatedAt strictly increases
//     with each update, even within one millisecond.
//   - Results echo the written properties plus the idProperty,
//     hs_object_id, hs_createdate and hs_lastmodifieddate, with url,
//     archived: false and the input's objectWriteTraceId. They come back
//     shuffled (seeded) unless WithPreserveOrder.
//   - Invalid property values (enums, dates, unknown or read-only
//     properties, values over 65,536 characters, hs_timestamp missing on
//     create): with an objectWriteTraceId on every input the invalid inputs
//     come back as 207 errors and the valid ones are written; otherwise the
//     first invalid input fails the batch with 400 and nothing is written.
//     The whole batch is validated before anything is written.
//   - Bodies are read as encoding/json reads them (issue 10): the emulator
//     accepts exactly the bodies json.Valid accepts, except nesting deeper
//     than 1000 objects and arrays (Jackson's default limit, with its
//     message; encoding/json allows 10,000), and decodes every string as
//     encoding/json does: invalid UTF-8 inside strings and lone
//     surrogates become U+FFFD, and answers carry the decoded value as
//     valid UTF-8. A NUL byte is a character, never the end of the body:
//     before, between or after the JSON value it is refused in Jackson's
//     words ("Illegal character ((CTRL-CHAR, code 0))"). A byte order mark
//     is refused (Jackson would skip it; encoding/json refuses it). A
//     repeated member name keeps its last value, at every level
//     (properties, id, idProperty, objectWriteTraceId, properties, inputs),
//     as HubSpot's Jackson does: an earlier invalid value of a repeated
//     property is forgotten, never reported.
//     FuzzBodiesAgreeWithEncodingJSON proves it against encoding/json.
//   - Whole-request refusals use HubSpot's error envelope: malformed JSON,
//     trailing data, wrong types, empty body (400), more than 100 inputs,
//     duplicate ids, missing id/properties/idProperty, non-unique
//     idProperty (hs_object_id included), wrong content type (415), body
//     over 10 MiB (413), unknown route (404), wrong method (405 + Allow).
//   - Batch read by id or by idProperty answers 207 with one
//     OBJECT_NOT_FOUND error listing unknown ids. Batch archive answers 204.
//     An archived record is gone: reads do not find it, and an upsert of
//     its unique value creates a new record with a new id (the emulator
//     keeps no archive, so ?archived=true finds nothing either).
//   - Auth: "Authorization: Bearer <token>"; missing or wrong → 401
//     INVALID_AUTHENTICATION; the read-only token → 403 MISSING_SCOPES on
//     upsert and archive.
//   - Rate limits (WithTier): one emulator is one account; every token
//     (WithToken, WithReadOnlyToken) is one app of it. The rolling 10-second
//     burst window is per app, the daily budget per account, reset at
//     midnight in the account's time zone (WithTimeZone). Every
//     authenticated answer carries X-HubSpot-RateLimit-Max, -Remaining and
//     -Interval-Milliseconds of the asking app and the account's -Daily and
//     -Daily-Remaining; the -Secondly pair is not sent (HubSpot sends it
//     only to legacy API keys). Refused requests (429, errorType
//     RATE_LIMIT, policyName TEN_SECONDLY_ROLLING or DAILY, groupName, and
//     requestId when daily) do not count. Retry-After only WithRetryAfter.
//     The default tier "none" has no limits and sends no rate-limit headers.
//   - Latency (ParseLatency) is added after the work is done, so a client
//     that times out still had its write applied, as with a real server.
//     Faults (ParseFault) are drawn per request from the seed; 423 applies
//     to writes only.
//   - Ops endpoints need no token: GET /metrics (Prometheus),
//     POST /__emulator/reset, GET /__emulator/stats.
//
// # Ledger: limits, faults, search and timing (rows to merge into the ledger)
//
// Each row: what the emulator does; its source; confidence (confirmed,
// likely, chosen); the option that changes it.
//
//   - The burst limit (100/190/250 per rolling 10 s by tier) is per token.
//     Source: HubSpot usage guidelines (hubspot-facts.md, "Limits are
//     shared"). Confirmed. WithTier, WithToken (--tier, --token).
//   - The daily budget is per account, shared by all its tokens, read-only
//     ones included. Source: as above. Confirmed. WithTier.
//   - The daily budget resets at midnight in the account's time zone, DST
//     days included. Source: as above. Confirmed. WithTimeZone (--timezone,
//     default UTC).
//   - Several tokens belong to one account; two accounts are two
//     emulators. Chosen (HubSpot keeps an account's data apart, so one store
//     per account). WithToken, WithReadOnlyToken (both repeatable).
//   - Ten-secondly and daily 429s carry groupName
//     publicapi:private-app-<policy>:<app id or portal id>; daily ones a
//     32-hex requestId. Source: recorded 429 bodies (hubspot-facts.md,
//     "Limits are shared"; one recorded groupName, publicapi:hapikey-secondly:<id>).
//     Fields confirmed, values chosen. FirstAppID, WithPortalID.
//   - Refused requests count against no budget. Unknown (hubspot-facts.md);
//     chosen.
//   - Rate-limit headers: the asking token's burst pair and the account's
//     daily pair, on every authenticated answer but search. Source: HubSpot
//     docs (headers); confirmed. Search answers carry none: reported by
//     third parties, likely.
//   - Fault 423=P answers writes (upsert, archive) with 423 Locked in the
//     error envelope: category LOCKED, a message asking to wait at least 2
//     seconds, context.retryAfterMillis ["2000"]; Retry-After: 2 with
//     WithRetryAfter. Source: HubSpot's guide (423 on high-volume upserts,
//     wait at least 2 s), confirmed; the body is unknown, chosen. WithFaults
//     (--fault 423=P, scenario emulator.faults).
//   - POST .../tasks/search (both versions; the published specs have both
//     paths): filterGroups ORed, their filters ANDed, with the spec's 13
//     operators (EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN,
//     HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN) on
//     any task property, hs_object_id, hs_createdate, hs_lastmodifieddate
//     and the unique properties; properties; limit (default 10, at most
//     200); after paging to 10,000 results; total. Source: HubSpot's
//     published spec (PublicObjectSearchRequest,
//     CollectionResponseWithTotalSimplePublicObject) and search guide.
//     Confirmed. No option.
//   - Search limits: at most 5 filter groups, 6 filters per group, 18 in
//     all; paging past 10,000 results, limit over 200 and a query over
//     3,000 characters are 400 VALIDATION_ERROR. Source: search guide and
//     spec (an August 2024 changelog announced 5/10/25; the emulator keeps
//     the stricter guide). Limits likely; the messages chosen.
//   - Malformed search bodies are 400s in Jackson's words: "Cannot build
//     Filter, some of required attributes are not set [...]" and "operator
//     BETWEEN requires a highValue" (recorded in client issues, confirmed),
//     the same forms for other operators, enum and type errors (likely).
//     Unknown properties in filters or sorts: 400 'Property "x" does not
//     exist' (chosen). Never a 5xx: FuzzSearch.
//   - Sorts: the spec types them as strings ("name", "-name" descending);
//     {propertyName, direction} objects are accepted too, and only the
//     first sort applies. Source: HubSpot's Node client README. Likely.
//     Without sorts, and between equal keys, results come in id order
//     (chosen); records without the sort property come last (chosen).
//   - Comparisons (chosen where HubSpot's are not documented): text is
//     compared ignoring case, numbers as numbers, dates as instants
//     (epoch ms or ISO 8601 on either side), unique values exactly; a
//     record without the property matches NEQ, NOT_IN and
//     NOT_CONTAINS_TOKEN; "" (cleared) counts as absent; CONTAINS_TOKEN
//     matches whole words with * wildcards. query matches when each of
//     its words occurs in the subject, body or unique value.
//   - Search's rate limit: 5 requests per rolling second per account,
//     shared by its tokens; 429 {"status":"error","message":"You have
//     reached your secondly limit.","correlationId","category":
//     "RATE_LIMITS"}. Source: recorded search 429s (message and shape
//     confirmed); the search guide (5/s per account, likely). Search is
//     exempt from the burst limit (spec: x-hubspot-rate-limit-exemptions
//     ten-secondly; confirmed) and spends the daily budget (likely). With
//     any tier but none. WithTier.
//   - Search lag: a write shows in search only the lag after it happens; a
//     created task is not found before, an updated one is found with its
//     earlier values (at most one earlier version is kept per record, so
//     two updates within the lag show the version before both; archives
//     show at once). GET and batch read never lag. Source:
//     hubspot-facts.md, "Search lags" (confirmed; no lag for reads: no
//     evidence of any). Default off; SuggestedSearchLag (10 s) is what
//     integration guides wait. WithSearchLag (--search-lag).
//   - System write: D after a create, the record is written again (its
//     calculated properties, which come out the same), so updatedAt and
//     hs_lastmodifieddate move to createdAt + D; later writes stay later.
//     Source: hubspot-facts.md, "A system write follows a create" (about
//     0.5 s; likely). Default off. WithSystemWriteDelay
//     (--system-write-delay 500ms).
//
// Search scans the store, one lock shard at a time, so upserts do no index
// work for it (BenchmarkUpsert100: 897,544 instructions per request before,
// 897,728 after, scripts/bench-ir.sh 'Upsert100$'), and a search holds up
// the writes of one shard at a time; filters pinning the unique property or
// hs_object_id with EQ or IN are lookups. BenchmarkSearch: a scan with a
// filter and a sort over 100,000 tasks takes about 92 ms of CPU (one cache
// miss or two per record), a lookup about 30-40 µs. The timing options cost
// nothing when off (a flag in the record's padding) and work lazily when
// on: the system write is applied by whatever touches the record next,
// under its shard lock; no goroutine or timer per record.
//
// Known, documented race: "hs_timestamp is required when creating" is
// checked before the batch is written, so if a record is archived between
// that check and the write, it is recreated without hs_timestamp.
//
// # Speed and memory
//
// Requests are decoded by a small strict scanner. One branch-free pass
// marks where strings stop (quotes, backslashes, control characters) in a
// bitmap, eight bytes at a time; compact `"key":"value"` members are then
// read with a bit scan per string, and every property is looked up (names
// compare as two machine words), validated and packed in the same pass.
// Values are stored in their escaped wire form (free text is never
// unescaped unless it could exceed the length limit), and answers are
// appended into pooled buffers. The store is 256 lock shards keyed by a
// hash of the unique value, each with an open-addressing table that reuses
// that hash, plus a lock-free id directory. Records come from per-shard
// slabs; each keeps its unique value and its values in one store-owned
// buffer that updates rewrite in place when they fit (reads copy it under
// the lock).
//
// Measured on the project's shared 2-core VM, whose speed itself swings:
// the same binary took 206 µs per request in one quiet hour and 364–454 µs
// in a busy one. So compare versions in the same run (alternating test
// binaries, min and median), or count instructions, which noise cannot
// move (scripts/bench-ir.sh, valgrind). "Before" is commit 4dff05e:
//
//   - BenchmarkUpsert100 (ServeHTTP, realistic 100-input batches, half
//     updates, trace ids): 881k instructions per request, before 1,303k
//     (scripts/bench-ir.sh 'Upsert100$' 4dff05e). CPU per request, in
//     six sessions of 8–10 paired rounds: median ratio of the pairs
//     0.71–0.94 (typically about 0.81); in a quiet hour min 171–181 µs,
//     median 196–208 µs (before: 210–218, 218–275), in busy hours medians
//     of 290–310 µs (before: 375–393). About 26 KB and 75 allocations per
//     request (before 124).
//   - BenchmarkPhases: parse and validate 532k instructions (before 918k),
//     store and answer about 350k; in time the store weighs more than its
//     instructions, as updates miss the cache on records.
//   - BenchmarkUpsert100HTTP (loopback HTTP, 4 clients on the same 2
//     cores, the store never reset): in a quiet hour, when a canned
//     server of the same answer size did 13,200–14,700 req/s (the issue's
//     baseline: about 14,000), 5,500–6,240 req/s, ratio 0.40–0.47, with
//     308–348 µs of CPU per request for client and server together
//     (canned: 115–128 µs); before, in the same hour, 4,590–5,520 req/s.
//     In busy hours both drop: 3,500–5,370 req/s, before 2,800–4,580.
//   - BenchmarkMemoryPerRecord: about 363 bytes per stored task at 1M
//     records (the generator's realistic properties; before 381); an
//     archived record keeps its 64-byte slab slot, not its values, until
//     Reset.
//
// Run them with: go test -run '^$' -bench . -benchmem -count 5 ./emulator/
package emulator
