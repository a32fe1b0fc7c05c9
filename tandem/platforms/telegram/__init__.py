"""Telegram: channels and groups through a bot (Bot API, python-telegram-bot 22).

connector.py is the Connector, with its community calls (replies, moderation, updates) in community.py;
updates.py reads raw updates; errors.py maps PTB's exceptions to ConnectorError kinds; bots.py shares one
Bot per token and event loop.
"""
