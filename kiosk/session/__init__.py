"""kiosk.session"""
