//go:build race

package main

// raceEnabled reports a -race build. The Lark SDK's websocket client (v3.9.2) writes its connection id on
// disconnect while its ping loop reads it unlocked, so any test that stops a websocket client fails under
// the race detector through no fault of Baton's; those tests run in the non-race pass of scripts/test.sh.
const raceEnabled = true
