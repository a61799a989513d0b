"""Test doubles for outside services (all served on 127.0.0.1, never the network)."""
