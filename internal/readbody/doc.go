// Package readbody reads a whole HTTP body into a buffer its caller reuses:
// the one owner of that loop for the load engine's answer bodies
// (load's transport) and the canned target's request bodies
// (internal/cannedtarget). io.ReadAll would allocate a fresh, repeatedly
// grown slice per body, which at thousands of 50–100 kB bodies a second is
// most of what the garbage collector has to do.
package readbody
