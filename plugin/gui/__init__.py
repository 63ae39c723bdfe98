"""Dialogs and docks of the plugin."""
