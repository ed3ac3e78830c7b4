"""Accounts of account-isolated spaces: vending one per environment, listing, closing (the service layer)."""
