// Shows whether the shop's server and database are ready.
const status = document.getElementById("status");

async function checkReadiness() {
  try {
    const response = await fetch("/readyz", { headers: { Accept: "application/json" } });
    status.textContent = response.ok ? "Cửa hàng đang mở cửa." : "Cửa hàng đang chuẩn bị, vui lòng quay lại sau.";
  } catch {
    status.textContent = "Không kết nối được tới cửa hàng.";
  }
}

checkReadiness();
