"""The e-saraban bridge (R-DOC-2, issue #17 item 4): an outside subscriber of the platform that
sends the head's orders and termination decisions as letters to the agency's e-saraban system
and reports back what became of them. It talks to the platform only as any subscriber does: its
own NATS durable consumers and the portal's API with its own service token."""
