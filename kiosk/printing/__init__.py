"""kiosk.printing"""
