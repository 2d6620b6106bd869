"""What every request passes through: the front door and the guards it applies."""
