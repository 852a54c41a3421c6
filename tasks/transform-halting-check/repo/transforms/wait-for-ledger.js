// Busy-waits until the ledger has caught up with this event.
let seen = event.ledgerSeq;
while (seen < event.seq) {
  seen = platform.ledgerSeq();
}
return event;
