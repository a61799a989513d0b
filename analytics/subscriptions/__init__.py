"""Daily market posts to Discord channels: the schedule, the SQLite store and the digest."""
