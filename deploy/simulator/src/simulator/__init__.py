"""A simulated Twente: chain partners' messages for the 14 gemeenten, seeded and repeatable.

`model` (pure, no I/O) plans every partner message of a simulated period; `publisher` paces
and holds them back until the platform recorded what they depend on, through the ports in
`ports`; `kafka` holds the real adapters and `cli` the command.
"""
