"""The admin API of the local server (outside the Synapse paths): users, faults, request statistics."""
