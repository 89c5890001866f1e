// Package meetingtest provides a fake Huawei Cloud Meeting server for tests and
// for the bot's console simulator.
//
// Unlike most test packages, it ships: the meetingbot binary links it in as
// its built-in simulator (console mode without credentials, and
// -simulate), seeded by Seed with demo meetings. So it must stay free of
// test-only dependencies (it imports no testing package), and it listens
// on 127.0.0.1 only.
//
// The fake follows docs/huawei-api.md and is strict where Huawei is: it
// checks App ID signatures, nonces, expiry times, token lifetimes, who may see
// which meeting and which password gives which control role. A client that
// passes against it has at least sent what Huawei documents.
//
// It serves the seven calls meetingbot uses (App ID and account log-in,
// confDetail, online, control token, stop, CancelMeeting) on 127.0.0.1,
// knows meetings held in cloud meeting rooms and personal meeting IDs, keeps
// its own clock that tests move with Advance, answers with injected faults on
// demand, and records every request. Where Huawei documents no error code,
// the code the fake uses is inferred and says so next to its definition in
// errors.go.
package meetingtest
