<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <translation>Dịch vụ cấp giấy chứng nhận</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Quay lại</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Tiếp theo</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>Chữ lớn</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>Tương phản cao</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>Vui lòng chờ…</translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation>Chuyển ngôn ngữ sang {name}</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation>Phiếu cư trú, chứng nhận con dấu, hộ tịch và thuế</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Bắt đầu</translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation>Bạn cần thẻ My Number và mã PIN 4 chữ số.</translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation>Giờ phục vụ: {start} – {end}</translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation>Chọn ngôn ngữ</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>Tạm ngừng phục vụ</translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation>Máy này hiện không thể cấp giấy chứng nhận. Vui lòng dùng máy khác hoặc quầy của văn phòng hành chính.</translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation>Đặt thẻ My Number lên đầu đọc</translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation>Đầu đọc ở bên phải màn hình. Đặt thẻ nằm phẳng, mặt trước hướng lên.</translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation>Hình: đặt thẻ lên đầu đọc bên cạnh màn hình</translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation>Đang đọc thẻ</translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation>Không di chuyển hoặc lấy thẻ ra.</translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation>Nhập mã PIN 4 chữ số</translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation>Mã PIN của chứng thư người dùng (利用者証明用). Hãy che bàn phím bằng tay.</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>Số lần còn lại: {n}</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation>Lần cuối: nếu sai mã PIN, thẻ sẽ bị khóa.</translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation>Mã PIN không đúng.</translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation>PIN: đã nhập {n}/4 chữ số</translation>
    </message>
    <message>
        <source>Volume {n} of {steps}</source>
        <translation>Âm lượng {n} trên {steps}</translation>
    </message>
    <message>
        <source>The operator of the certificate service has suspended this terminal. Please use another terminal or the municipal office counter.</source>
        <translation>Đơn vị vận hành dịch vụ cấp giấy chứng nhận đã tạm ngừng máy này. Vui lòng dùng máy khác hoặc quầy của văn phòng hành chính.</translation>
    </message>
    <message>
        <source>The operator of the certificate service has taken this terminal out of service. Please use another terminal or the municipal office counter.</source>
        <translation>Đơn vị vận hành dịch vụ cấp giấy chứng nhận đã ngừng sử dụng máy này. Vui lòng dùng máy khác hoặc quầy của văn phòng hành chính.</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service. Please use another terminal or the municipal office counter.</source>
        <translation>Máy này chưa được đăng ký với dịch vụ cấp giấy chứng nhận. Vui lòng dùng máy khác hoặc quầy của văn phòng hành chính.</translation>
    </message>
    <message>
        <source>Speech rate {n} of {steps}</source>
        <translation>Tốc độ đọc {n} trên {steps}</translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation>Số {d}</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Xác nhận</translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation>Đang xác nhận thẻ</translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation>Vui lòng lấy thẻ ra</translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation>Lấy thẻ khỏi đầu đọc và giữ bên mình.</translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation>Bạn cần giấy chứng nhận nào?</translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation>{fee} mỗi bản</translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation>Không khả dụng: {reason}</translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation>Chọn nội dung ghi trên giấy chứng nhận</translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation>Bạn cần bao nhiêu bản?</translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation>Bớt 1 bản</translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation>Thêm 1 bản</translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation>{n} bản</translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation>{fee} × {n} = {total}</translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation>Vui lòng kiểm tra yêu cầu</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>Giấy chứng nhận</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>Số bản</translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation>Tổng lệ phí</translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation>Xác nhận và yêu cầu</translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation>Đang chuẩn bị giấy chứng nhận</translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation>Mất vài giây. Chưa tính phí.</translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation>Vui lòng đưa vào {total}</translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation>Đã đưa vào: {amount}</translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation>Còn phải trả: {amount}</translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation>Tiền thừa: {amount}</translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation>Chấp nhận: tiền xu {coins} yên và tiền giấy {notes} yên.</translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation>Không có tiền thừa: vui lòng đưa đúng số tiền.</translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation>Hủy và trả lại tiền</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>Đang in</translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation>Trang {done}/{total}</translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation>In có thể mất vài phút. Vui lòng không rời đi.</translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation>Vui lòng lấy giấy chứng nhận</translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation>và tiền thừa: {amount}</translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation>Đừng để quên giấy chứng nhận, tiền thừa và thẻ.</translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation>Tôi đã lấy hết</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>Cảm ơn quý khách</translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation>Phiên đã kết thúc. Không lưu dữ liệu cá nhân.</translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation>Đang kết thúc phiên</translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation>Bạn có cần thêm thời gian không?</translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation>Nếu không thao tác, phiên sẽ kết thúc sau {n} giây.</translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation>Có, tiếp tục</translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation>Không, kết thúc</translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation>Bản sao phiếu cư trú (住民票の写し)</translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation>Giấy chứng nhận nội dung phiếu cư trú (住民票記載事項証明書)</translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation>Giấy chứng nhận đăng ký con dấu (印鑑登録証明書)</translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation>Hộ tịch, toàn bộ nội dung (戸籍全部事項証明書)</translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation>Hộ tịch, một người (戸籍個人事項証明書)</translation>
    </message>
    <message>
        <source>Address record kept with the family register (戸籍の附票の写し)</source>
        <translation>Bản sao phụ lục hộ tịch (戸籍の附票の写し)</translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation>Giấy chứng nhận thu nhập và thuế (所得・課税証明書)</translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation>Phạm vi yêu cầu</translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation>Nguyên quán và chủ hộ tịch</translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation>Chủ hộ và quan hệ</translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation>Mã số cá nhân (My Number)</translation>
    </message>
    <message>
        <source>Only me</source>
        <translation>Chỉ bản thân</translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation>Cả hộ gia đình</translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation>Không ghi</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Ghi</translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <translation>Không thể cấp giấy này tại đây</translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation>Thẻ gặp sự cố</translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation>Không kết nối được dịch vụ</translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation>Máy in gặp sự cố</translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation>Bộ phận nhận tiền gặp sự cố</translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation>Không kiểm tra được giấy chứng nhận</translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation>Phiên đã kết thúc vì không có thao tác</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Đã hủy</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>Đã xảy ra lỗi</translation>
    </message>
    <message>
        <source>The terminal has a problem</source>
        <translation>Máy gặp sự cố</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>Vui lòng bắt đầu lại.</translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation>Vui lòng lấy thẻ và bắt đầu lại.</translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation>Vui lòng hỏi tại quầy của văn phòng hành chính địa phương.</translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation>Vui lòng gọi nhân viên cửa hàng. Đừng rời khỏi máy.</translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation>Vui lòng dùng máy khác.</translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation>Bạn có thể đóng thông báo này.</translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation>Đã trả lại {amount}. Vui lòng lấy lại.</translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation>Không trả lại được tiền. Hãy mang phiếu hoàn tiền ({voucher}) đến quầy.</translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation>Bạn chưa bị tính phí.</translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <translation>Không kiểm tra được chứng thư trong thẻ</translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation>Chứng thư trong thẻ đã hết hạn. Hãy gia hạn tại văn phòng hành chính</translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation>Chứng thư trong thẻ không còn hiệu lực</translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation>Địa phương này không cấp giấy cho thẻ này</translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation>Không xác nhận được thẻ</translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation>Đã hết thời gian xác nhận thẻ</translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation>Lần xác nhận thẻ này đã được dùng</translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation>Chỉ cấp cho người từ 15 tuổi trở lên</translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation>Không thể cấp tại đây khi đã đăng ký chuyển đi</translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation>Vui lòng yêu cầu giấy này tại quầy văn phòng hành chính</translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation>Không thể cấp giấy chứng nhận cho thẻ này</translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation>Chủ thẻ chưa đăng ký con dấu</translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation>Không có hồ sơ thuế năm nay tại đây</translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation>Hộ tịch ở địa phương khác: cần đăng ký trước</translation>
    </message>
    <message>
        <source>The municipality of your family register does not issue certificates at kiosks</source>
        <translation>Địa phương nơi đăng ký hộ tịch của bạn không cấp giấy chứng nhận tại máy này</translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation>Giấy này có ký tự máy không in được</translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation>Ngoài giờ phục vụ: cấp từ 6:30 đến 23:00</translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation>Giấy tờ hộ tịch chỉ cấp vào giờ hành chính ngày thường</translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation>Mã PIN đã bị khóa. Hãy mang thẻ đến quầy văn phòng hành chính để đặt lại</translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation>Thẻ bị lấy ra quá sớm</translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation>Đây không phải thẻ My Number</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>Đầu đọc thẻ không hoạt động</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>Không đọc được thẻ</translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation>Đầu đọc thẻ này không được phép</translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation>Không kết nối được dịch vụ cấp giấy</translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation>Dịch vụ cấp giấy không phản hồi kịp</translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation>Máy này cần bảo trì</translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation>Dịch vụ cấp giấy báo lỗi</translation>
    </message>
    <message>
        <source>This terminal has been suspended by the service operator</source>
        <translation>Máy này đã bị đơn vị vận hành dịch vụ tạm ngừng</translation>
    </message>
    <message>
        <source>This terminal has been taken out of service by the service operator</source>
        <translation>Máy này đã bị đơn vị vận hành dịch vụ ngừng sử dụng</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service</source>
        <translation>Máy này chưa được đăng ký với dịch vụ cấp giấy chứng nhận</translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation>Máy in hết giấy</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation>Máy in bị kẹt giấy</translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation>Máy in đang ngoại tuyến</translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation>In thất bại</translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation>In quá lâu nên đã dừng</translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation>Bộ phận nhận tiền không hoạt động</translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation>Bộ phận nhận tiền đang bận</translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation>Không thể nhận số tiền này</translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation>Không trả được toàn bộ tiền thừa</translation>
    </message>
    <message>
        <source>A coin or note is jammed in the money unit</source>
        <translation>Tiền xu hoặc tiền giấy bị kẹt trong máy</translation>
    </message>
    <message>
        <source>This request was already issued</source>
        <translation>Yêu cầu này đã được cấp</translation>
    </message>
    <message>
        <source>The terminal stopped unexpectedly</source>
        <translation>Máy đã dừng đột ngột</translation>
    </message>
    <message>
        <source>The terminal is shutting down</source>
        <translation>Máy đang tắt</translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation>Dữ liệu giấy chứng nhận không khớp với yêu cầu</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>Gọi nhân viên</translation>
    </message>
    <message>
        <source>Staff have been called. Please wait at the terminal.</source>
        <translation>Đã gọi nhân viên. Vui lòng chờ tại máy.</translation>
    </message>
    <message>
        <source>Voice guide</source>
        <translation>Hướng dẫn giọng nói</translation>
    </message>
    <message>
        <source>Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. Plus: help and repeat. Minus: cancel. Star: call staff.</source>
        <translation>Đã bật hướng dẫn bằng giọng nói. Di chuyển bằng phím mũi tên hoặc 2, 4, 6, 8; chọn bằng 5 hoặc Enter. Phím cộng: trợ giúp và nghe lại. Phím trừ: hủy. Phím sao: gọi nhân viên.</translation>
    </message>
    <message>
        <source>Voice guidance is off.</source>
        <translation>Đã tắt hướng dẫn bằng giọng nói.</translation>
    </message>
    <message>
        <source>Digit entered</source>
        <translation>Đã nhập</translation>
    </message>
    <message>
        <source>Digit deleted</source>
        <translation>Đã xóa một chữ số</translation>
    </message>
    <message>
        <source>PIN cleared</source>
        <translation>Đã xóa mã PIN</translation>
    </message>
    <message>
        <source>Four digits entered. Press Enter to confirm.</source>
        <translation>Đã nhập 4 chữ số. Hãy nhấn Enter để xác nhận.</translation>
    </message>
    <message>
        <source>{amount} yen</source>
        <translation>{amount} yên</translation>
    </message>
    <message>
        <source>{name}, selected</source>
        <translation>{name}, đã chọn</translation>
    </message>
    <message>
        <source>{n} choices. Use the arrow keys to hear them.</source>
        <translation>Có {n} lựa chọn. Dùng phím mũi tên để nghe.</translation>
    </message>
    <message>
        <source>Please take your card</source>
        <translation>Vui lòng lấy thẻ của bạn</translation>
    </message>
    <message>
        <source>Your card is still on the reader.</source>
        <translation>Thẻ của bạn vẫn còn trên đầu đọc.</translation>
    </message>
    <message>
        <source>Coins go into the coin slot and notes into the note slot, below the card reader.</source>
        <translation>Bỏ tiền xu vào khe tiền xu và tiền giấy vào khe tiền giấy, bên dưới đầu đọc thẻ.</translation>
    </message>
    <message>
        <source>Picture: the coin slot and the note slot below the card reader</source>
        <translation>Hình: khe tiền xu và khe tiền giấy bên dưới đầu đọc thẻ</translation>
    </message>
    <message>
        <source>Coins</source>
        <translation>Tiền xu</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Tiền giấy</translation>
    </message>
    <message>
        <source>Charged: {amount}</source>
        <translation>Đã thanh toán: {amount}</translation>
    </message>
</context>
</TS>
