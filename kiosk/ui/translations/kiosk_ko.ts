<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <translation>증명서 발급 서비스</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>뒤로</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>다음</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>큰 글자</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>고대비</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>잠시 기다려 주세요…</translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation>언어를 {name}(으)로 전환</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>진행 상황</translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation>주민표·인감등록증명서·호적증명서·세금증명서</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation>마이넘버 카드와 4자리 비밀번호가 필요합니다.</translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation>서비스 시간: {start}~{end}</translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation>언어를 선택하세요</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>서비스 중지</translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation>현재 이 단말기에서는 증명서를 발급할 수 없습니다. 다른 단말기나 시구정촌 창구를 이용하세요.</translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation>마이넘버 카드를 리더기에 올려 주세요</translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation>리더기는 화면 오른쪽에 있습니다. 카드를 앞면이 위로 오게 평평하게 놓으세요.</translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation>그림: 카드를 화면 옆 리더기에 놓습니다</translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation>카드를 읽고 있습니다</translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation>카드를 움직이거나 빼지 마세요.</translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation>4자리 비밀번호를 입력하세요</translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation>이용자 증명용(利用者証明用) 비밀번호입니다. 손으로 가리고 입력하세요.</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>남은 횟수: {n}회</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation>마지막 기회입니다. 틀리면 카드가 잠깁니다.</translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation>비밀번호가 틀렸습니다.</translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation>비밀번호: 4자리 중 {n}자리 입력됨</translation>
    </message>
    <message>
        <source>Volume {n} of {steps}</source>
        <translation>음량: {steps}단계 중 {n}</translation>
    </message>
    <message>
        <source>The operator of the certificate service has suspended this terminal. Please use another terminal or the municipal office counter.</source>
        <translation>증명서 발급 서비스 운영자가 이 단말기의 이용을 정지했습니다. 다른 단말기나 시구정촌 창구를 이용하세요.</translation>
    </message>
    <message>
        <source>The operator of the certificate service has taken this terminal out of service. Please use another terminal or the municipal office counter.</source>
        <translation>증명서 발급 서비스 운영자가 이 단말기의 운영을 종료했습니다. 다른 단말기나 시구정촌 창구를 이용하세요.</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service. Please use another terminal or the municipal office counter.</source>
        <translation>이 단말기는 증명서 발급 서비스에 등록되어 있지 않습니다. 다른 단말기나 시구정촌 창구를 이용하세요.</translation>
    </message>
    <message>
        <source>Speech rate {n} of {steps}</source>
        <translation>말하기 속도: {steps}단계 중 {n}</translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation>숫자 {d}</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>지우기</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation>카드를 확인하고 있습니다</translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation>카드를 빼 주세요</translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation>리더기에서 카드를 빼서 보관하세요.</translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation>어떤 증명서가 필요하십니까?</translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation>1부당 {fee}</translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation>이용 불가: {reason}</translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation>증명서에 표시할 내용을 선택하세요</translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation>몇 부가 필요하십니까?</translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation>1부 줄이기</translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation>1부 늘리기</translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation>{n}부</translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation>{fee} × {n}부 = {total}</translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation>신청 내용을 확인하세요</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>증명서</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>부수</translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation>수수료 합계</translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation>확인하고 신청</translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation>증명서를 준비하고 있습니다</translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation>몇 초 걸립니다. 아직 요금은 청구되지 않습니다.</translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation>{total}을 넣어 주세요</translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation>투입 금액: {amount}</translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation>남은 금액: {amount}</translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation>거스름돈: {amount}</translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation>사용 가능: {coins}엔 동전, {notes}엔 지폐</translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation>거스름돈이 없습니다. 정확한 금액을 넣어 주세요.</translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation>취소하고 돈 돌려받기</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>인쇄하고 있습니다</translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation>{total}장 중 {done}장째</translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation>인쇄에 몇 분 걸릴 수 있습니다. 자리를 떠나지 마세요.</translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation>증명서를 받아 가세요</translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation>거스름돈 {amount}도 받아 가세요</translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation>증명서, 거스름돈, 카드를 잊지 마세요.</translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation>모두 받았습니다</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>이용해 주셔서 감사합니다</translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation>종료되었습니다. 개인정보는 이 단말기에 남지 않습니다.</translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation>종료하고 있습니다</translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation>시간이 더 필요하십니까?</translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation>조작이 없으면 {n}초 후에 종료됩니다.</translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation>예, 계속</translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation>아니요, 종료</translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation>주민표 사본 (住民票の写し)</translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation>주민표 기재사항 증명서 (住民票記載事項証明書)</translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation>인감등록 증명서 (印鑑登録証明書)</translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation>호적 전부사항 증명서 (戸籍全部事項証明書)</translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation>호적 개인사항 증명서 (戸籍個人事項証明書)</translation>
    </message>
    <message>
        <source>Address record kept with the family register (戸籍の附票の写し)</source>
        <translation>호적 부표 사본 (戸籍の附票の写し)</translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation>소득·과세 증명서 (所得・課税証明書)</translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation>신청 범위</translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation>본적 및 호적 필두자</translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation>세대주 및 관계</translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation>개인번호 (마이넘버)</translation>
    </message>
    <message>
        <source>Only me</source>
        <translation>본인만</translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation>세대 전원</translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation>표시 안 함</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <translation>이 증명서는 여기서 발급할 수 없습니다</translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation>카드에 문제가 있습니다</translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation>서비스에 연결할 수 없습니다</translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation>프린터에 문제가 있습니다</translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation>입금기에 문제가 있습니다</translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation>증명서를 확인할 수 없습니다</translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation>조작이 없어 종료되었습니다</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>취소되었습니다</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>오류가 발생했습니다</translation>
    </message>
    <message>
        <source>The terminal has a problem</source>
        <translation>단말기에 문제가 있습니다</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>처음부터 다시 시도하세요.</translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation>카드를 빼고 처음부터 다시 시도하세요.</translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation>시구정촌 창구에 문의하세요.</translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation>점원을 불러 주세요. 단말기를 떠나지 마세요.</translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation>다른 단말기를 이용하세요.</translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation>이 메시지를 닫으세요.</translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation>{amount}을 돌려드렸습니다. 받아 가세요.</translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation>돈을 돌려드리지 못했습니다. 환불표({voucher})를 계산대에 가져가세요.</translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation>요금은 청구되지 않았습니다.</translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <translation>카드의 전자 인증서를 확인할 수 없습니다</translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation>카드의 전자 인증서가 만료되었습니다. 시구정촌 창구에서 갱신하세요</translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation>카드의 전자 인증서가 효력을 잃었습니다</translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation>이 시구정촌에서는 이 카드의 증명서를 발급하지 않습니다</translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation>카드를 확인할 수 없습니다</translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation>카드 확인 시간이 지났습니다</translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation>이 카드 확인은 이미 사용되었습니다</translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation>15세 미만은 이용할 수 없습니다</translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation>전출 신고 중에는 여기서 발급할 수 없습니다</translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation>이 증명서는 시구정촌 창구에서 신청하세요</translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation>이 카드로는 증명서를 발급할 수 없습니다</translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation>인감 등록이 되어 있지 않습니다</translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation>올해의 과세 기록이 없습니다</translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation>본적지가 다른 시구정촌입니다. 사전 이용 등록이 필요합니다</translation>
    </message>
    <message>
        <source>The municipality of your family register does not issue certificates at kiosks</source>
        <translation>본적지 지자체는 이 단말기에서 증명서를 발급하지 않습니다</translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation>이 단말기에서 인쇄할 수 없는 문자가 포함되어 있습니다</translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation>서비스 시간이 아닙니다 (6:30~23:00)</translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation>호적 증명서는 평일 업무 시간에만 발급합니다</translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation>비밀번호가 잠겼습니다. 카드를 가지고 시구정촌 창구에서 재설정하세요</translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation>카드가 도중에 빠졌습니다</translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation>마이넘버 카드가 아닙니다</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>카드 리더기가 작동하지 않습니다</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>카드를 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation>이 카드 리더기는 사용할 수 없습니다</translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation>발급 서비스에 연결할 수 없습니다</translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation>발급 서비스가 제때 응답하지 않았습니다</translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation>이 단말기는 점검이 필요합니다</translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation>발급 서비스에서 오류가 발생했습니다</translation>
    </message>
    <message>
        <source>This terminal has been suspended by the service operator</source>
        <translation>이 단말기는 서비스 운영자에 의해 이용이 정지되었습니다</translation>
    </message>
    <message>
        <source>This terminal has been taken out of service by the service operator</source>
        <translation>이 단말기는 서비스 운영자에 의해 운영이 종료되었습니다</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service</source>
        <translation>이 단말기는 증명서 발급 서비스에 등록되어 있지 않습니다</translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation>프린터 용지가 없습니다</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation>프린터에 용지가 걸렸습니다</translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation>프린터가 오프라인입니다</translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation>인쇄하지 못했습니다</translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation>인쇄 시간이 너무 길어 중지했습니다</translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation>입금기가 작동하지 않습니다</translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation>입금기가 사용 중입니다</translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation>이 금액은 받을 수 없습니다</translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation>거스름돈 일부를 지급하지 못했습니다</translation>
    </message>
    <message>
        <source>A coin or note is jammed in the money unit</source>
        <translation>입금기에 동전이나 지폐가 걸렸습니다</translation>
    </message>
    <message>
        <source>This request was already issued</source>
        <translation>이 신청은 이미 발급되었습니다</translation>
    </message>
    <message>
        <source>The terminal stopped unexpectedly</source>
        <translation>단말기가 예기치 않게 멈췄습니다</translation>
    </message>
    <message>
        <source>The terminal is shutting down</source>
        <translation>단말기를 종료하고 있습니다</translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation>증명서 데이터가 신청 내용과 일치하지 않습니다</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>직원 호출</translation>
    </message>
    <message>
        <source>Staff have been called. Please wait at the terminal.</source>
        <translation>직원을 호출했습니다. 단말기 앞에서 기다려 주십시오.</translation>
    </message>
    <message>
        <source>Voice guide</source>
        <translation>음성 안내</translation>
    </message>
    <message>
        <source>Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. Plus: help and repeat. Minus: cancel. Star: call staff.</source>
        <translation>음성 안내를 시작합니다. 화살표 키 또는 2, 4, 6, 8로 이동하고 5 또는 확인 키로 선택합니다. 플러스: 도움말과 다시 듣기. 마이너스: 취소. 별표: 직원 호출.</translation>
    </message>
    <message>
        <source>Voice guidance is off.</source>
        <translation>음성 안내를 끕니다.</translation>
    </message>
    <message>
        <source>Digit entered</source>
        <translation>입력했습니다</translation>
    </message>
    <message>
        <source>Digit deleted</source>
        <translation>한 자리를 지웠습니다</translation>
    </message>
    <message>
        <source>PIN cleared</source>
        <translation>비밀번호를 지웠습니다</translation>
    </message>
    <message>
        <source>Four digits entered. Press Enter to confirm.</source>
        <translation>4자리를 입력했습니다. 확인 키를 누르십시오.</translation>
    </message>
    <message>
        <source>{amount} yen</source>
        <translation>{amount}엔</translation>
    </message>
    <message>
        <source>{name}, selected</source>
        <translation>{name}, 선택됨</translation>
    </message>
    <message>
        <source>{n} choices. Use the arrow keys to hear them.</source>
        <translation>선택지는 {n}개입니다. 화살표 키로 들을 수 있습니다.</translation>
    </message>
    <message>
        <source>Please take your card</source>
        <translation>카드를 가져가십시오</translation>
    </message>
    <message>
        <source>Your card is still on the reader.</source>
        <translation>카드가 아직 리더기 위에 있습니다.</translation>
    </message>
    <message>
        <source>Coins go into the coin slot and notes into the note slot, below the card reader.</source>
        <translation>동전은 동전 투입구에, 지폐는 지폐 투입구에 넣으십시오. 모두 카드 리더기 아래에 있습니다.</translation>
    </message>
    <message>
        <source>Picture: the coin slot and the note slot below the card reader</source>
        <translation>그림: 카드 리더기 아래의 동전 투입구와 지폐 투입구</translation>
    </message>
    <message>
        <source>Coins</source>
        <translation>동전</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>지폐</translation>
    </message>
    <message>
        <source>Charged: {amount}</source>
        <translation>결제 금액: {amount}</translation>
    </message>
</context>
</TS>
