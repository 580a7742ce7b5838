"""The projection: every domain event of the chain as a fact in the ketenmonitor's own
PostgreSQL database, with the rows derived from it, one Kafka batch per transaction
(`consumer`, `store`); a rebuild from offset zero (`rebuild`); and the live notifications of
new facts (`live`). It knows nothing of alerts or erasure: what they add to a batch's
transaction comes in through the ports of `store` and `consumer`, wired by `main`."""
