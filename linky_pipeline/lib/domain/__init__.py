"""The objects the flow turns on: buildings and meters, the building-month, the sync policy, identifiers, local time."""
