"""kiosk.card"""
