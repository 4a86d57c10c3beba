"""What each command does, callable from Python without the command line."""
