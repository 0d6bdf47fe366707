"""计量器具台账 — an enterprise's instrument ledger (§6.2.1.1 c): read as people keep it (`columns`), each
instrument classified against the mandatory-control catalogue (`catalogue`, `classify`), the agencies that can
take what falls due grouped into batches (`agencies`), stored and annotated (`service`), exported (`export`)."""
