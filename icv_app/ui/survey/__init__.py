"""Survey staff's screens: the interview runner, the call queue, consultations."""
