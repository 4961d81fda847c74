"""Evaluation queues, rounds, submissions and submission statuses (REFERENCE 2.10, 3.9)."""
