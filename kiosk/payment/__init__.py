"""kiosk.payment"""
