"""kiosk.relay_client"""
